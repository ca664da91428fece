import type { HostFiles } from '../../../src/cni/index.js';
import { stepFiles, type StepFiles, type Steps } from '../../pkg/steps.js';

const IP_NAME = /^\d+\.\d+\.\d+\.\d+$/;

/** `<dataDir>/<network>`; every request of a node names the same one, so the last answer is kept. */
let lastDir = { dataDir: '', network: '', dir: '' };
function networkDir(dataDir: string, network: string): string {
  if (dataDir !== lastDir.dataDir || network !== lastDir.network || lastDir.dir === '') {
    lastDir = { dataDir, network, dir: `${dataDir.replace(/\/+$/, '')}/${network}` };
  }
  return lastDir.dir;
}

/** `<dir>/last_reserved_ip.<range>` of the last directory asked for (read and written on every ADD). */
let lastReservedFor = { dir: '', paths: [] as string[] };
function lastReservedPath(dir: string, rangeId: number): string {
  if (dir !== lastReservedFor.dir) lastReservedFor = { dir, paths: [] };
  return (lastReservedFor.paths[rangeId] ??= `${dir}/last_reserved_ip.${rangeId}`);
}

/** A lease file's content, "<trimmed id>\r\n<ifname>", for the last owner asked for (an ADD and its DEL ask three times). */
let lastOwner = { id: '', ifName: '', text: '' };
function ownerText(id: string, ifName: string): string {
  if (id !== lastOwner.id || ifName !== lastOwner.ifName || lastOwner.text === '') lastOwner = { id, ifName, text: `${id.trim()}\r\n${ifName}` };
  return lastOwner.text;
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
  private readonly files: StepFiles;

  constructor(files: HostFiles, dataDir: string, network: string) {
    this.files = stepFiles(files);
    this.dir = networkDir(dataDir, network);
  }

  // Each operation is a step generator (pkg/steps.ts): on memory files it runs without awaiting.

  /** False when the address is taken (O_EXCL). */
  *reserve(id: string, ifName: string, ip: string, rangeId: number): Steps<boolean> {
    if (!((yield this.files.createExclusive(`${this.dir}/${ip}`, ownerText(id, ifName))) as boolean)) return false;
    yield this.files.write(lastReservedPath(this.dir, rangeId), ip);
    return true;
  }

  *lastReserved(rangeId: number): Steps<string | undefined> {
    return ((yield this.files.read(lastReservedPath(this.dir, rangeId))) as string | undefined)?.trim();
  }

  /** Every address file with its owner. */
  *entries(): Steps<{ ip: string; id: string; ifName: string }[]> {
    const out: { ip: string; id: string; ifName: string }[] = [];
    for (const name of (yield this.files.list(this.dir)) as string[]) {
      if (!IP_NAME.test(name)) continue;
      const text = ((yield this.files.read(`${this.dir}/${name}`)) as string | undefined) ?? '';
      const [id = '', ifName = ''] = text.trim().split('\r\n');
      out.push({ ip: name, id: id.trim(), ifName: ifName.trim() });
    }
    return out;
  }

  /** Address files whose trimmed content is exactly `text`, in name order. */
  private *withContent(text: string): Steps<string[]> {
    if (this.files.findByContent !== undefined) return ((yield this.files.findByContent(this.dir, text)) as string[]).filter((n) => IP_NAME.test(n));
    const out: string[] = [];
    for (const name of (yield this.files.list(this.dir)) as string[]) {
      if (IP_NAME.test(name) && (((yield this.files.read(`${this.dir}/${name}`)) as string | undefined) ?? '').trim() === text) out.push(name);
    }
    return out;
  }

  /** GetByID: addresses held by (id, ifname), or by id alone in the old format. */
  *getById(id: string, ifName: string): Steps<string[]> {
    const withIf = yield* this.withContent(ownerText(id, ifName));
    const old = yield* this.withContent(id.trim());
    // Each list is already sorted and without repeats: only a merge of two non-empty ones needs the set.
    if (old.length === 0) return withIf;
    if (withIf.length === 0) return old;
    return [...new Set([...withIf, ...old])].sort();
  }

  *release(ip: string): Steps<void> {
    yield this.files.remove(`${this.dir}/${ip}`);
  }

  /** ReleaseByID: the (id, ifname) files; only when there are none, the old-format files of the id. */
  *releaseById(id: string, ifName: string): Steps<void> {
    let ips = yield* this.withContent(ownerText(id, ifName));
    if (ips.length === 0) ips = yield* this.withContent(id.trim());
    for (const ip of ips) yield* this.release(ip);
  }
}
