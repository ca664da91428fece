import { qualifiedResource, RESOURCE_TYPES, type KubeObject, type ResourceType } from '../../api/index.js';
import type { ApiServer, StoreEvent, StoreWatch } from '../../apiserver/index.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
/**
 * An informer's event handler: `old` is the previous state for MODIFIED and DELETED; `key` is the object's cache
 * key (objectKey: "namespace/name", or the name of a cluster-scoped object), the very string the cache files it
 * under, so a handler that queues it needs no key of its own built and hashed again. Must not mutate objects.
 */
export type Handler = (type: EventType, obj: KubeObject, old: KubeObject | undefined, key: string) => void;
/** An index function: the keys an object is filed under (e.g. its node, its owner's uid). */
export type IndexFn = (obj: KubeObject) => readonly string[];

/** The part of an object an index function reads (its labels, its owner references): compared by identity. */
export type IndexInput = (obj: KubeObject) => unknown;

interface Filed {
  readonly values: readonly string[];
  readonly input: unknown;
}

/**
 * A cached object with what the indexes filed it under (by index position). Index maps hold the entry
 * itself, so an update that leaves an object's index values alone replaces entry.obj and touches no map.
 */
interface Entry {
  obj: KubeObject;
  /**
   * The object's cache key, built once when it is first cached: every later event hands this very string to the
   * handlers, so the queues, the kubelets' maps and getByKey compare keys by identity instead of hashing and comparing
   * a freshly built "namespace/name" string character by character (about 5x the cost of a lookup at 150,000 pods).
   */
  readonly key: string;
  readonly filed: (Filed | undefined)[];
}

interface Index {
  readonly pos: number;
  readonly fn: IndexFn;
  readonly input: IndexInput | undefined;
  readonly map: Map<string, Map<string, Entry>>;
  /**
   * A filing already made for an input object (a frozen label map, an ownerReferences list: shared by every pod
   * of a ReplicaSet): an object whose fn gives the same values reuses it, so 150,000 pods do not each keep their
   * own copy of what their ReplicaSet's pods are all filed under.
   */
  readonly shared: WeakMap<object, Filed>;
}

interface ResourceCache {
  readonly objects: Map<string, Entry>;
  /**
   * The same entries by namespace ('' for cluster-scoped objects), then name: an event finds its entry through the
   * object's own metadata strings, which the stored versions of an object share (their hashes are cached), without
   * building its key.
   */
  readonly byName: Map<string, Map<string, Entry>>;
  readonly handlers: Handler[];
  readonly indexes: Map<string, Index>;
  /** The indexes in position order, for the per-event loops. */
  readonly indexList: Index[];
}

export function objectKey(o: KubeObject): string {
  const ns = o.metadata.namespace ?? '';
  return ns === '' ? (o.metadata.name ?? '') : `${ns}/${o.metadata.name ?? ''}`;
}

/**
 * Shared informers (client-go's SharedInformerFactory) over one store watch: a local cache of every
 * object of every served resource, secondary indexes, and handlers called synchronously, in store
 * order, for each change. Controllers read the cache (their listers) and write through the
 * ApiServer; handlers only enqueue keys. One watch for everything keeps a 150,000-pod cluster from
 * copying every event once per controller.
 */
export class Informers {
  private readonly caches = new Map<string, ResourceCache>();
  /** The same caches by resource type object (R.pods…): no resource name to build per call. */
  private readonly byType = new Map<ResourceType, ResourceCache>();
  private watch: StoreWatch | undefined;
  private replaying = false;

  constructor(private readonly api: ApiServer) {
    for (const r of RESOURCE_TYPES) {
      const c: ResourceCache = { objects: new Map(), byName: new Map(), handlers: [], indexes: new Map(), indexList: [] };
      this.caches.set(qualifiedResource(r), c);
      this.byType.set(r, c);
    }
  }

  private cache(r: ResourceType): ResourceCache {
    const c = this.byType.get(r) ?? this.caches.get(qualifiedResource(r));
    if (c === undefined) throw new Error(`no informer for ${qualifiedResource(r)}`);
    return c;
  }

  /** Lists every resource, then watches from that point; idempotent. */
  async start(): Promise<void> {
    if (this.watch !== undefined) return;
    const from = this.api.store.currentResourceVersion();
    for (const [resource, c] of this.caches) {
      const l = await this.api.store.list(resource);
      for (const o of l.items) {
        const cur = c.byName.get(o.metadata.namespace ?? '')?.get(o.metadata.name ?? '');
        this.applyEntry(c, 'ADDED', o, cur?.key ?? objectKey(o), cur);
      }
    }
    // The store replays the history since `from` inside watch(); every later event is newer than the cache.
    this.replaying = true;
    try {
      this.watch = this.api.store.watch({ fromResourceVersion: from }, (ev) => this.onEvent(ev));
    } finally {
      this.replaying = false;
    }
  }

  stop(): void {
    this.watch?.stop();
  }

  /** Registers a handler; objects already cached are replayed to it as ADDED. */
  on(r: ResourceType, h: Handler): void {
    const c = this.cache(r);
    c.handlers.push(h);
    for (const e of c.objects.values()) h('ADDED', e.obj, undefined, e.key);
  }

  /**
   * Adds a secondary index; call before start() or objects already cached are indexed now. With `input`
   * (what fn reads, e.g. `(o) => o.metadata.labels`), an update whose input is the very same value as
   * before (stored objects share their unchanged parts) is refiled without calling fn.
   */
  addIndex(r: ResourceType, name: string, fn: IndexFn, input?: IndexInput): void {
    const c = this.cache(r);
    // An index added again under its name replaces the old one, in its place.
    const prev = c.indexes.get(name);
    const idx: Index = { pos: prev?.pos ?? c.indexList.length, fn, input, map: new Map(), shared: new WeakMap() };
    c.indexes.set(name, idx);
    c.indexList[idx.pos] = idx;
    for (const e of c.objects.values()) {
      e.filed[idx.pos] = undefined;
      this.indexSet(idx, e.key, e);
    }
  }

  get(r: ResourceType, namespace: string, name: string): KubeObject | undefined {
    // A namespaced object is always cached with its namespace: there is no "/name" key.
    if (r.namespaced && namespace === '') return undefined;
    return this.cache(r).byName.get(r.namespaced ? namespace : '')?.get(name)?.obj;
  }

  getByKey(r: ResourceType, key: string): KubeObject | undefined {
    return this.cache(r).objects.get(key)?.obj;
  }

  list(r: ResourceType): Iterable<KubeObject> {
    const objects = this.cache(r).objects;
    const out = new Array<KubeObject>(objects.size);
    let i = 0;
    for (const e of objects.values()) out[i++] = e.obj;
    return out;
  }

  /** The objects of one namespace (a snapshot: the caller may write while it reads). */
  listNamespace(r: ResourceType, namespace: string): KubeObject[] {
    const names = this.cache(r).byName.get(namespace);
    return names === undefined ? [] : Array.from(names.values(), (e) => e.obj);
  }

  count(r: ResourceType): number {
    return this.cache(r).objects.size;
  }

  /** Objects filed under `value` by the named index (empty when none). */
  byIndex(r: ResourceType, name: string, value: string): Iterable<KubeObject> {
    const idx = this.cache(r).indexes.get(name);
    if (idx === undefined) throw new Error(`no index ${name} on ${qualifiedResource(r)}`);
    const m = idx.map.get(value);
    if (m === undefined) return [];
    const out = new Array<KubeObject>(m.size);
    let i = 0;
    for (const e of m.values()) out[i++] = e.obj;
    return out;
  }

  private onEvent(ev: StoreEvent): void {
    const c = this.caches.get(ev.resource);
    if (c === undefined) return;
    const meta = ev.object.metadata;
    const cur = c.byName.get(meta.namespace ?? '')?.get(meta.name ?? '');
    // Replayed history the initial list already showed: skip it (resourceVersions are ordered integers in MemoryStore).
    if (this.replaying && ev.type !== 'DELETED' && cur !== undefined && Number(cur.obj.metadata.resourceVersion) >= Number(ev.object.metadata.resourceVersion)) return;
    if (ev.type === 'DELETED' && cur === undefined) return;
    this.applyEntry(c, ev.type === 'ADDED' && cur !== undefined ? 'MODIFIED' : ev.type, ev.object, cur?.key ?? objectKey(ev.object), cur);
  }

  private applyEntry(c: ResourceCache, type: EventType, obj: KubeObject, key: string, entry: Entry | undefined): void {
    const old = entry?.obj;
    if (type === 'DELETED') {
      if (entry !== undefined) {
        for (const idx of c.indexList) this.indexDelete(idx, key, entry);
        c.objects.delete(key);
        const ns = obj.metadata.namespace ?? '';
        const names = c.byName.get(ns);
        names?.delete(obj.metadata.name ?? '');
        if (names?.size === 0) c.byName.delete(ns);
      }
    } else {
      let e = entry;
      if (e === undefined) {
        // Sized for the indexes there are: an empty literal grows to 17 slots at its first filing, and 150,000 pods keep theirs.
        e = { obj, key, filed: new Array<Filed | undefined>(c.indexList.length) };
        c.objects.set(key, e);
        const ns = obj.metadata.namespace ?? '';
        let names = c.byName.get(ns);
        if (names === undefined) c.byName.set(ns, (names = new Map()));
        names.set(obj.metadata.name ?? '', e);
      } else {
        e.obj = obj;
      }
      for (const idx of c.indexList) this.indexSet(idx, key, e);
    }
    for (const h of c.handlers) h(type, obj, old, key);
  }

  /**
   * Files the entry's object under the index's values. Most updates (a status write, a binding) leave
   * them as they were: then nothing changes (the maps hold the entry, whose object was replaced).
   */
  private indexSet(idx: Index, key: string, e: Entry): void {
    const before = e.filed[idx.pos];
    const o = e.obj;
    const input = idx.input === undefined ? undefined : idx.input(o);
    if (before !== undefined && idx.input !== undefined && before.input === input) return;
    const values = idx.fn(o);
    const filed = this.filing(idx, input, values);
    if (before !== undefined && sameValues(before.values, values)) {
      e.filed[idx.pos] = filed;
      return;
    }
    if (before !== undefined) this.indexDelete(idx, key, e);
    for (const v of values) {
      let m = idx.map.get(v);
      if (m === undefined) {
        m = new Map();
        idx.map.set(v, m);
      }
      m.set(key, e);
    }
    e.filed[idx.pos] = filed;
  }

  /** The filing for these values and input: the shared one for the input when it has the same values. */
  private filing(idx: Index, input: unknown, values: readonly string[]): Filed {
    if (typeof input !== 'object' || input === null) return { values, input };
    const known = idx.shared.get(input);
    if (known !== undefined && sameValues(known.values, values)) return known;
    const f: Filed = { values, input };
    idx.shared.set(input, f);
    return f;
  }

  private indexDelete(idx: Index, key: string, e: Entry): void {
    const before = e.filed[idx.pos];
    if (before === undefined) return;
    e.filed[idx.pos] = undefined;
    for (const v of before.values) {
      const m = idx.map.get(v);
      if (m === undefined) continue;
      m.delete(key);
      if (m.size === 0) idx.map.delete(v);
    }
  }
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
