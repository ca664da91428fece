import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheFileName, decodeCacheEntry, encodeCacheEntry, type AttachmentKey, type CachedAttachment, type ResultCache } from './cache.js';

/**
 * The libcni layout on disk: `<cacheDir>/results/<net>-<cid>-<ifname>`, mode 0600 in a 0700 directory. Writes go to
 * a temporary file then rename, so a crash never leaves the zero-byte files of cni#1055/#1149.
 */
export class FileResultCache implements ResultCache {
  private readonly dir: string;

  /** `cacheDir` as libcni's (default there: /var/lib/cni); entries live in its `results/` subdirectory. */
  constructor(cacheDir: string) {
    this.dir = join(cacheDir, 'results');
  }

  async get(key: AttachmentKey): Promise<CachedAttachment | undefined> {
    const file = join(this.dir, cacheFileName(key));
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return undefined; // libcni: an unreadable file is "no cached result"
    }
    return decodeCacheEntry(text, key, file);
  }

  async put(entry: CachedAttachment): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, cacheFileName(entry));
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      await writeFile(tmp, encodeCacheEntry(entry), { mode: 0o600 });
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async delete(key: AttachmentKey): Promise<void> {
    await rm(join(this.dir, cacheFileName(key)), { force: true });
  }

  async list(containerId?: string): Promise<CachedAttachment[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => !n.includes('.tmp-')).sort();
    } catch {
      return [];
    }
    const out: CachedAttachment[] = [];
    for (const n of names) {
      // libcni first filters on "-<cid>-" in the name, then on the decoded containerId.
      if (containerId !== undefined && n.indexOf(`-${containerId}-`) <= 0) continue;
      try {
        const e = decodeCacheEntry(await readFile(join(this.dir, n), 'utf8'), { networkName: '', containerId: '', ifName: '' }, n);
        if (e.networkName === '' || e.ifName === '') continue;
        if (containerId !== undefined && e.containerId !== containerId) continue;
        out.push(e);
      } catch {
        continue;
      }
    }
    return out;
  }
}
