import type { HostFiles } from '../../../src/cni/index.js';

/**
 * host-local's disk store layout (backend/disk): `<dataDir>/<network>/<ip>` holds "<containerID>\r\n<ifname>",
 * `last_reserved_ip.<rangeIndex>` holds the last address handed out from that range set. Over HostFiles, so the
 * executable writes real files and the in-process plugin the same paths in memory.
 */
export class Store {
  private readonly dir: string;

  constructor(private readonly files: HostFiles, dataDir: string, network: string) {
    this.dir = `${dataDir.replace(/\/+$/, '')}/${network}`;
  }

  /** False when the address is taken (O_EXCL). */
  async reserve(id: string, ifName: string, ip: string, rangeId: number): Promise<boolean> {
    if (!(await this.files.createExclusive(`${this.dir}/${ip}`, `${id}\r\n${ifName}`))) return false;
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
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(name)) continue;
      const text = (await this.files.read(`${this.dir}/${name}`)) ?? '';
      const [id = '', ifName = ''] = text.trim().split('\r\n');
      out.push({ ip: name, id: id.trim(), ifName: ifName.trim() });
    }
    return out;
  }

  async getById(id: string, ifName: string): Promise<string[]> {
    return (await this.entries()).filter((e) => e.id === id && e.ifName === ifName).map((e) => e.ip);
  }

  async release(ip: string): Promise<void> {
    await this.files.remove(`${this.dir}/${ip}`);
  }

  async releaseById(id: string, ifName: string): Promise<void> {
    for (const ip of await this.getById(id, ifName)) await this.release(ip);
  }
}
