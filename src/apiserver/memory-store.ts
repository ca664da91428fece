import { cloneJson, type KubeObject } from '../api/index.js';
import {
  StoreError,
  type ObjectStore,
  type StoreEvent,
  type StoreKey,
  type StoreListener,
  type StoreListResult,
  type StoreWatch,
  type StoreWatchOptions,
} from './store.js';

interface Watcher {
  readonly opts: StoreWatchOptions;
  readonly listener: StoreListener;
  active: boolean;
}

function keyString(k: StoreKey): string {
  return `${k.namespace}/${k.name}`;
}

function matches(opts: StoreWatchOptions, ev: StoreEvent): boolean {
  if (opts.resource !== undefined && opts.resource !== ev.resource) return false;
  if (opts.namespace !== undefined && opts.namespace !== '' && (ev.object.metadata.namespace ?? '') !== opts.namespace) return false;
  return true;
}

/**
 * The default store: maps in memory, a global counter as resourceVersion, and a bounded event history
 * (like etcd's compaction window) from which watches resume. Objects are copied on the way in and out.
 */
export class MemoryStore implements ObjectStore {
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private rv = 0;
  private readonly history: { rv: number; event: StoreEvent }[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly historyLimit: number;

  constructor(opts: { historyLimit?: number } = {}) {
    this.historyLimit = opts.historyLimit ?? 10_000;
  }

  currentResourceVersion(): string {
    return String(this.rv);
  }

  get(key: StoreKey): Promise<KubeObject | undefined> {
    const o = this.data.get(key.resource)?.get(keyString(key));
    return Promise.resolve(o === undefined ? undefined : cloneJson(o));
  }

  list(resource: string, namespace?: string): Promise<StoreListResult> {
    const all = [...(this.data.get(resource)?.values() ?? [])];
    const items = all
      .filter((o) => namespace === undefined || namespace === '' || o.metadata.namespace === namespace)
      .sort((a, b) => {
        const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
        const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      })
      .map((o) => cloneJson(o));
    return Promise.resolve({ items, resourceVersion: this.currentResourceVersion() });
  }

  create(key: StoreKey, obj: KubeObject): Promise<KubeObject> {
    const bucket = this.bucket(key.resource);
    if (bucket.has(keyString(key))) return Promise.reject(new StoreError('KW_APISERVER_STORE_EXISTS', 'object already exists', this.where(key)));
    const stored = this.stamp(obj);
    bucket.set(keyString(key), stored);
    this.emit({ type: 'ADDED', resource: key.resource, object: stored });
    return Promise.resolve(cloneJson(stored));
  }

  update(key: StoreKey, obj: KubeObject, expectedResourceVersion?: string): Promise<KubeObject> {
    try {
      const prev = this.current(key, expectedResourceVersion);
      const stored = this.stamp(obj);
      this.bucket(key.resource).set(keyString(key), stored);
      this.emit({ type: 'MODIFIED', resource: key.resource, object: stored, previous: prev });
      return Promise.resolve(cloneJson(stored));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  delete(key: StoreKey, expectedResourceVersion?: string): Promise<KubeObject> {
    try {
      const prev = this.current(key, expectedResourceVersion);
      this.bucket(key.resource).delete(keyString(key));
      // The DELETED event carries the object with the deletion's own resourceVersion, as etcd3's watch does.
      const last = this.stamp(prev);
      this.emit({ type: 'DELETED', resource: key.resource, object: last, previous: prev });
      return Promise.resolve(cloneJson(last));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  watch(opts: StoreWatchOptions, listener: StoreListener): StoreWatch {
    const w: Watcher = { opts, listener, active: true };
    if (opts.fromResourceVersion !== undefined) {
      const from = Number(opts.fromResourceVersion);
      if (!Number.isInteger(from) || from < 0) throw new StoreError('KW_APISERVER_STORE_GONE', `invalid resource version "${opts.fromResourceVersion}"`);
      const oldest = this.history[0]?.rv ?? this.rv + 1;
      if (from < oldest - 1 && from < this.rv) {
        throw new StoreError('KW_APISERVER_STORE_GONE', `too old resource version: ${from} (${oldest - 1})`);
      }
      for (const h of this.history) if (h.rv > from && matches(opts, h.event)) listener(copyEvent(h.event));
    }
    this.watchers.add(w);
    return {
      stop: () => {
        w.active = false;
        this.watchers.delete(w);
      },
    };
  }

  private current(key: StoreKey, expected: string | undefined): KubeObject {
    const prev = this.data.get(key.resource)?.get(keyString(key));
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

  private stamp(obj: KubeObject): KubeObject {
    this.rv += 1;
    const copy = cloneJson(obj);
    copy.metadata = { ...copy.metadata, resourceVersion: String(this.rv) };
    return copy;
  }

  private emit(event: StoreEvent): void {
    this.history.push({ rv: this.rv, event });
    if (this.history.length > this.historyLimit) this.history.shift();
    for (const w of [...this.watchers]) {
      if (w.active && matches(w.opts, event)) w.listener(copyEvent(event));
    }
  }

  private bucket(resource: string): Map<string, KubeObject> {
    let b = this.data.get(resource);
    if (b === undefined) {
      b = new Map();
      this.data.set(resource, b);
    }
    return b;
  }

  private where(key: StoreKey): string {
    return `${key.resource} ${key.namespace === '' ? '' : `${key.namespace}/`}${key.name}`;
  }
}

function copyEvent(e: StoreEvent): StoreEvent {
  return { ...e, object: cloneJson(e.object), ...(e.previous === undefined ? {} : { previous: cloneJson(e.previous) }) };
}
