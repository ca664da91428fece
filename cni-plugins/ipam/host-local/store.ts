import type { HostFiles } from '../../../src/cni/index.js';

const IP_NAME = /^\d+\.\d+\.\d+\.\d+$/;

/** `<dataDir>/<network>`; every request of a node names the same one, so the last answer is kept. */
let lastDir = { dataDir: '', network: '', dir: '' };
function networkDir(dataDir: string, network: string): string {
  if (dataDir !== lastDir.dataDir || network !== lastDir.network || lastDir.dir === '') {
    lastDir = { dataDir, network, dir: `${dataDir.replace(/\/+$/, '')}/${network}` };
  }
  return lastDir.dir;
}

/**
 * host-local's disk store layout (backend/disk): `<dataDir>/<network>/<ip>` holds "<containerID>\r\n<ifname>",
 * `last_reserved_ip.<rangeIndex>` holds the last address handed out from that range set. Over HostFiles, so the
 * executable writes real files and the in-process plugin the same paths in memory.
 *
 * Lookups by owner match as upstream's do: a file belongs to (id, ifname) when its content, trimmed, is
 * "<trimmed id>\r\n<ifname>", or just "<trimmed id>" (files written before ifname was stored).
 */
export class Store {
  private readonly dir: string;

  constructor(private readonly files: HostFiles, dataDir: string, network: string) {
    this.dir = networkDir(dataDir, network);
  }

  /** False when the address is taken (O_EXCL). */
  async reserve(id: string, ifName: string, ip: string, rangeId: number): Promise<boolean> {
    if (!(await this.files.createExclusive(`${this.dir}/${ip}`, `${id.trim()}\r\n${ifName}`))) return false;
    await this.files.write(`${this.dir}/last_reserved_ip.${rangeId}`, ip);
    return true;
  }

  async lastReserved(rangeId: number): Promise<string | undefined> {
    return (await this.files.read(`${this.dir}/last_reserved_ip.${rangeId}`))?.trim();
  }

  /** Every address file with its owner. */
  async entries(): Promise<{ ip: string; id: string; ifName: string }[]> {
    const out: { ip: string; id: string; ifName: string }[] = [];
    for (const name of await this.files.list(this.dir)) {
      if (!IP_NAME.test(name)) continue;
      const text = (await this.files.read(`${this.dir}/${name}`)) ?? '';
      const [id = '', ifName = ''] = text.trim().split('\r\n');
      out.push({ ip: name, id: id.trim(), ifName: ifName.trim() });
    }
    return out;
  }

  /** Address files whose trimmed content is exactly `text`, in name order. */
  private async withContent(text: string): Promise<string[]> {
    if (this.files.findByContent !== undefined) return (await this.files.findByContent(this.dir, text)).filter((n) => IP_NAME.test(n));
    const out: string[] = [];
    for (const name of await this.files.list(this.dir)) {
      if (IP_NAME.test(name) && ((await this.files.read(`${this.dir}/${name}`)) ?? '').trim() === text) out.push(name);
    }
    return out;
  }

  /** GetByID: addresses held by (id, ifname), or by id alone in the old format. */
  async getById(id: string, ifName: string): Promise<string[]> {
    const withIf = await this.withContent(`${id.trim()}\r\n${ifName}`);
    const old = await this.withContent(id.trim());
    // Each list is already sorted and without repeats: only a merge of two non-empty ones needs the set.
    if (old.length === 0) return withIf;
    if (withIf.length === 0) return old;
    return [...new Set([...withIf, ...old])].sort();
  }

  async release(ip: string): Promise<void> {
    await this.files.remove(`${this.dir}/${ip}`);
  }

  /** ReleaseByID: the (id, ifname) files; only when there are none, the old-format files of the id. */
  async releaseById(id: string, ifName: string): Promise<void> {
    let ips = await this.withContent(`${id.trim()}\r\n${ifName}`);
    if (ips.length === 0) ips = await this.withContent(id.trim());
    for (const ip of ips) await this.release(ip);
  }
}
