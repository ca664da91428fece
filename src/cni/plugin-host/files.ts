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
  /**
   * Optional fast path: names (sorted) of the files directly in `dir` whose content, with surrounding whitespace
   * trimmed, is exactly `text`. Without it callers read every file of `list(dir)`.
   */
  findByContent?(dir: string, text: string): Promise<string[]>;
  /** Optional: the same operations answering synchronously (files in memory need no await). */
  readonly now?: HostFilesNow;
}

/** HostFiles' operations answering with values: what the promises would resolve to, failures thrown. */
export interface HostFilesNow {
  read(path: string): string | undefined;
  createExclusive(path: string, data: string): boolean;
  write(path: string, data: string): void;
  remove(path: string): void;
  list(dir: string): string[];
  findByContent(dir: string, text: string): string[];
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

/**
 * Files in a Map, indexed by directory and by trimmed content so that host-local's lookups by owner (which upstream
 * makes by walking the whole dataDir) cost the same on a node with 5 leases as on one with 250: the answers are the
 * ones a walk would give.
 */
export class MemoryFiles implements HostFiles {
  private readonly all = new Map<string, string>();
  /** dir → its files: name → trimmed content, and trimmed content → names. */
  private readonly dirs = new Map<string, MemoryDir>();
  private lastDir: MemoryDir | undefined;

  /** Every file by path (tests read the layout back). */
  get files(): ReadonlyMap<string, string> {
    return this.all;
  }

  /** The operations themselves, synchronous; the HostFiles methods answer them through promises. */
  readonly now: HostFilesNow = {
    read: (path) => this.all.get(path),
    createExclusive: (path, data) => {
      if (this.all.has(path)) return false;
      this.set(path, data);
      return true;
    },
    write: (path, data) => this.set(path, data),
    remove: (path) => {
      if (!this.all.delete(path)) return;
      const i = path.lastIndexOf('/');
      const d = this.dir(path.slice(0, i));
      if (d !== undefined) {
        const name = path.slice(i + 1);
        const old = d.names.get(name);
        d.names.delete(name);
        if (old !== undefined) unindex(d, old, name);
      }
    },
    list: (dir) => {
      const d = this.dir(dir.endsWith('/') ? dir.slice(0, -1) : dir);
      return d === undefined ? [] : [...d.names.keys()].sort();
    },
    findByContent: (dir, text) => {
      const names = this.dir(dir.endsWith('/') ? dir.slice(0, -1) : dir)?.byContent.get(text);
      if (names === undefined) return [];
      return typeof names === 'string' ? [names] : [...names].sort();
    },
  };

  read(path: string): Promise<string | undefined> {
    return Promise.resolve(this.now.read(path));
  }

  createExclusive(path: string, data: string): Promise<boolean> {
    return Promise.resolve(this.now.createExclusive(path, data));
  }

  write(path: string, data: string): Promise<void> {
    this.now.write(path, data);
    return Promise.resolve();
  }

  remove(path: string): Promise<void> {
    this.now.remove(path);
    return Promise.resolve();
  }

  list(dir: string): Promise<string[]> {
    return Promise.resolve(this.now.list(dir));
  }

  findByContent(dir: string, text: string): Promise<string[]> {
    return Promise.resolve(this.now.findByContent(dir, text));
  }

  /** The directory's index; the last one asked for is kept (host-local asks for the same one over and over). */
  private dir(path: string): MemoryDir | undefined {
    if (path === this.lastDir?.path) return this.lastDir;
    const d = this.dirs.get(path);
    if (d !== undefined) this.lastDir = d;
    return d;
  }

  private set(path: string, data: string): void {
    this.all.set(path, data);
    const i = path.lastIndexOf('/');
    const dir = path.slice(0, i);
    const name = path.slice(i + 1);
    let d = this.dir(dir);
    if (d === undefined) {
      this.dirs.set(dir, (d = { path: dir, names: new Map(), byContent: new Map() }));
      this.lastDir = d;
    }
    const old = d.names.get(name);
    if (old !== undefined) unindex(d, old, name);
    const key = data.trim();
    d.names.set(name, key);
    const names = d.byContent.get(key);
    if (names === undefined) d.byContent.set(key, name);
    else if (typeof names === 'string') d.byContent.set(key, new Set([names, name]));
    else names.add(name);
  }
}

interface MemoryDir {
  readonly path: string;
  readonly names: Map<string, string>;
  /** Trimmed content → the one file holding it (the usual case: one lease per owner), or all of them. */
  readonly byContent: Map<string, string | Set<string>>;
}

function unindex(d: MemoryDir, content: string, name: string): void {
  const names = d.byContent.get(content);
  if (names === undefined) return;
  if (typeof names === 'string') {
    if (names === name) d.byContent.delete(content);
    return;
  }
  names.delete(name);
  if (names.size === 1) d.byContent.set(content, names.values().next().value as string);
}
