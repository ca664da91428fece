import { mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The little filesystem a plugin keeps state in (host-local's dataDir). Real files for an executable; a Map for the
 * in-process plugins on the virtual kernel, so the layout (`<dataDir>/<net>/<ip>`, `last_reserved_ip.0`) is the same
 * and tests can read it back either way.
 */
export interface HostFiles {
  /** Contents, or undefined when the file does not exist. */
  read(path: string): Promise<string | undefined>;
  /** Create the file only if it does not exist (O_EXCL); false when it did. Parent directories are made. */
  createExclusive(path: string, data: string): Promise<boolean>;
  write(path: string, data: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** File names in a directory; [] when it does not exist. */
  list(dir: string): Promise<string[]>;
}

export class NodeFiles implements HostFiles {
  async read(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async createExclusive(path: string, data: string): Promise<boolean> {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    try {
      const fh = await open(path, 'wx', 0o644);
      try {
        await fh.writeFile(data);
      } finally {
        await fh.close();
      }
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  }

  async write(path: string, data: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await writeFile(path, data, { mode: 0o644 });
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }
}

export class MemoryFiles implements HostFiles {
  readonly files = new Map<string, string>();

  read(path: string): Promise<string | undefined> {
    return Promise.resolve(this.files.get(path));
  }

  createExclusive(path: string, data: string): Promise<boolean> {
    if (this.files.has(path)) return Promise.resolve(false);
    this.files.set(path, data);
    return Promise.resolve(true);
  }

  write(path: string, data: string): Promise<void> {
    this.files.set(path, data);
    return Promise.resolve();
  }

  remove(path: string): Promise<void> {
    this.files.delete(path);
    return Promise.resolve();
  }

  list(dir: string): Promise<string[]> {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const names = [...this.files.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).map((p) => p.slice(prefix.length));
    return Promise.resolve(names.sort());
  }
}
