import { cloneJson, deepFreeze, type KubeObject, type ReadonlyKubeObject } from '../api/index.js';
import {
  StoreError,
  type ObjectStore,
  type StoreEvent,
  type StoreKey,
  type StoreListener,
  type StoreListResult,
  type StoreWatch,
  type StoreWatchOptions,
  type StoreWriteOptions,
} from './store.js';

interface Watcher {
  readonly opts: StoreWatchOptions;
  readonly listener: StoreListener;
  active: boolean;
}

function matches(opts: StoreWatchOptions, ev: StoreEvent): boolean {
  if (opts.resource !== undefined && opts.resource !== ev.resource) return false;
  if (opts.namespace !== undefined && opts.namespace !== '' && (ev.object.metadata.namespace ?? '') !== opts.namespace) return false;
  return true;
}

/**
 * The default store: maps in memory, a global counter as resourceVersion, and a bounded event history
 * (like etcd's compaction window) from which watches resume. Objects are stored deep-frozen and shared
 * with every reader and watcher; only an unfrozen object written in is copied (see ObjectStore).
 */
export class MemoryStore implements ObjectStore {
  /**
   * resource → namespace → name → object. Nested maps, not one map per resource under "namespace/name": a
   * lookup hashes the key's own strings (flat, their hash cached) instead of building and hashing a new
   * string on every read and write, which at 150,000 pods is a measurable share of every write.
   */
  private readonly data = new Map<string, Map<string, Map<string, ReadonlyKubeObject>>>();
  /** Watchers as an array, rebuilt when one comes or goes: emit walks a snapshot without copying per event. */
  private listeners: readonly Watcher[] = [];
  private rv = 0;
  /** Kept events from `historyStart` on (the ones before it have left the window; cut off in batches, not one shift per write). */
  private history: { rv: number; event: StoreEvent }[] = [];
  private historyStart = 0;
  private readonly watchers = new Set<Watcher>();
  private readonly historyLimit: number;

  constructor(opts: { historyLimit?: number } = {}) {
    this.historyLimit = opts.historyLimit ?? 10_000;
  }

  currentResourceVersion(): string {
    return String(this.rv);
  }

  get(key: StoreKey): Promise<ReadonlyKubeObject | undefined> {
    return Promise.resolve(this.peek(key));
  }

  peek(key: StoreKey): ReadonlyKubeObject | undefined {
    return this.data.get(key.resource)?.get(key.namespace)?.get(key.name);
  }

  list(resource: string, namespace?: string): Promise<StoreListResult> {
    const items: ReadonlyKubeObject[] = [];
    for (const names of this.data.get(resource)?.values() ?? []) {
      for (const o of names.values()) if (namespace === undefined || namespace === '' || o.metadata.namespace === namespace) items.push(o);
    }
    items.sort((a, b) => {
      const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
      const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    return Promise.resolve({ items, resourceVersion: this.currentResourceVersion() });
  }

  create(key: StoreKey, obj: KubeObject | ReadonlyKubeObject, opts?: StoreWriteOptions): Promise<ReadonlyKubeObject> {
    const bucket = this.bucket(key.resource, key.namespace);
    if (bucket.has(key.name)) return Promise.reject(new StoreError('KW_APISERVER_STORE_EXISTS', 'object already exists', this.where(key)));
    const stored = this.stamp(obj, opts?.owned === true);
    bucket.set(key.name, stored);
    this.emit({ type: 'ADDED', resource: key.resource, object: stored });
    return Promise.resolve(stored);
  }

  update(key: StoreKey, obj: KubeObject | ReadonlyKubeObject, expectedResourceVersion?: string, opts?: StoreWriteOptions): Promise<ReadonlyKubeObject> {
    try {
      const prev = this.current(key, expectedResourceVersion);
      const stored = this.stamp(obj, opts?.owned === true);
      this.bucket(key.resource, key.namespace).set(key.name, stored);
      this.emit({ type: 'MODIFIED', resource: key.resource, object: stored, previous: prev });
      return Promise.resolve(stored);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  delete(key: StoreKey, expectedResourceVersion?: string): Promise<ReadonlyKubeObject> {
    try {
      const prev = this.current(key, expectedResourceVersion);
      const bucket = this.bucket(key.resource, key.namespace);
      bucket.delete(key.name);
      if (bucket.size === 0) this.data.get(key.resource)?.delete(key.namespace);
      // The DELETED event carries the object with the deletion's own resourceVersion, as etcd3's watch does.
      const last = this.stamp(prev, false);
      this.emit({ type: 'DELETED', resource: key.resource, object: last, previous: prev });
      return Promise.resolve(last);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  watch(opts: StoreWatchOptions, listener: StoreListener): StoreWatch {
    const w: Watcher = { opts, listener, active: true };
    if (opts.fromResourceVersion !== undefined) {
      const from = Number(opts.fromResourceVersion);
      if (!Number.isInteger(from) || from < 0) throw new StoreError('KW_APISERVER_STORE_GONE', `invalid resource version "${opts.fromResourceVersion}"`);
      const oldest = this.history[this.historyStart]?.rv ?? this.rv + 1;
      if (from < oldest - 1 && from < this.rv) {
        throw new StoreError('KW_APISERVER_STORE_GONE', `too old resource version: ${from} (${oldest - 1})`);
      }
      for (let i = this.historyStart; i < this.history.length; i++) {
        const h = this.history[i];
        if (h !== undefined && h.rv > from && matches(opts, h.event)) listener(h.event);
      }
    }
    this.watchers.add(w);
    this.listeners = [...this.watchers];
    return {
      stop: () => {
        w.active = false;
        if (this.watchers.delete(w)) this.listeners = [...this.watchers];
      },
    };
  }

  private current(key: StoreKey, expected: string | undefined): ReadonlyKubeObject {
    const prev = this.data.get(key.resource)?.get(key.namespace)?.get(key.name);
    if (prev === undefined) throw new StoreError('KW_APISERVER_STORE_NOT_FOUND', 'object not found', this.where(key));
    if (expected !== undefined && prev.metadata.resourceVersion !== expected) {
      throw new StoreError(
        'KW_APISERVER_STORE_CONFLICT',
        `resourceVersion ${expected} is stale (stored: ${prev.metadata.resourceVersion ?? ''})`,
        this.where(key),
      );
    }
    return prev;
  }

  /**
   * The object as stored, with the next resourceVersion. An owned object (see StoreWriteOptions) is stamped
   * in place; a frozen one is taken as it is (only its envelope and metadata are new); an unfrozen one is
   * copied first, as the caller may still change it.
   */
  private stamp(obj: KubeObject | ReadonlyKubeObject, owned: boolean): ReadonlyKubeObject {
    this.rv += 1;
    const resourceVersion = String(this.rv);
    if (owned && !Object.isFrozen(obj) && !Object.isFrozen(obj.metadata)) {
      (obj as KubeObject).metadata.resourceVersion = resourceVersion;
      return deepFreeze(obj);
    }
    if (Object.isFrozen(obj)) return deepFreeze({ ...obj, metadata: { ...obj.metadata, resourceVersion } });
    const copy = cloneJson(obj) as KubeObject;
    copy.metadata.resourceVersion = resourceVersion;
    return deepFreeze(copy);
  }

  private emit(event: StoreEvent): void {
    this.history.push({ rv: this.rv, event });
    if (this.history.length - this.historyStart > this.historyLimit) this.historyStart++;
    if (this.historyStart >= this.historyLimit) {
      this.history = this.history.slice(this.historyStart);
      this.historyStart = 0;
    }
    for (const w of this.listeners) {
      if (w.active && matches(w.opts, event)) w.listener(event);
    }
  }

  private bucket(resource: string, namespace: string): Map<string, ReadonlyKubeObject> {
    let r = this.data.get(resource);
    if (r === undefined) {
      r = new Map();
      this.data.set(resource, r);
    }
    let b = r.get(namespace);
    if (b === undefined) {
      b = new Map();
      r.set(namespace, b);
    }
    return b;
  }

  private where(key: StoreKey): string {
    return `${key.resource} ${key.namespace === '' ? '' : `${key.namespace}/`}${key.name}`;
  }
}
