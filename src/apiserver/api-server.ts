import {
  groupVersion,
  cloneJson,
  isJsonObject,
  jsonEqual,
  matchesFields,
  matchesSelector,
  parseFieldSelector,
  parseSelector,
  qualifiedResource,
  resourceByPlural,
  RESOURCE_TYPES,
  DEFAULT_VALIDATION_OPTIONS,
  type KubeObject,
  type ReadonlyKubeObject,
  type ResourceType,
  type ValidationOptions,
} from '../api/index.js';
import { isKubewireError, type Clock, type Rng } from '../lib/index.js';
import { applyRequestNamespace, decodeBody, decodeStatusBody, prepareForCreate, prepareForUpdate, validateOrThrow, writableMeta, type AdmissionPlugin } from './admission.js';
import { ApiError, apiErrors } from './errors.js';
import { randomSuffix, type IdSource } from './ids.js';
import { applyPatch, type PatchType } from './patching.js';
import { isStoreError, type ObjectStore, type StoreKey } from './store.js';

export interface ApiServerDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly ids: IdSource;
  /** For generateName suffixes. */
  readonly rng: Rng;
  readonly validation?: ValidationOptions;
  readonly admission?: readonly AdmissionPlugin[];
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface WriteOptions {
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
  /**
   * In-process callers only (controllers, kubelets): the body was built for this call and the caller gives
   * it up, so the server takes it as its draft (and freezes it when stored) instead of copying it first.
   * Over HTTP a body is parsed fresh and nobody else holds it, so nothing changes for API clients.
   */
  readonly owned?: boolean;
}

export interface DeleteOptions {
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: boolean;
}

export interface ObjectList {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly resourceVersion: string };
  readonly items: ReadonlyKubeObject[];
}

const NAMESPACES = resourceByPlural('', 'namespaces');

let lastSecond = Number.NaN;
let lastText = '';

/**
 * RFC 3339 with seconds, as metav1.Time marshals. The text of the last second formatted is kept: a
 * simulated clock stands still while a whole burst of writes is stamped with it.
 */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastText;
}

/**
 * The API server's core, without HTTP: every read and write of Kubernetes objects goes through it,
 * whether it comes from kubectl over REST or, later, from controllers, the scheduler and kubelets.
 * Writes validate before they touch the store, so a refused request changes nothing.
 */
export class ApiServer {
  readonly store: ObjectStore;
  private readonly deps: ApiServerDeps;
  private readonly validation: ValidationOptions;

  constructor(deps: ApiServerDeps) {
    this.deps = deps;
    this.store = deps.store;
    this.validation = deps.validation ?? DEFAULT_VALIDATION_OPTIONS;
  }

  now(): string {
    return rfc3339(this.deps.clock.now());
  }

  /** The server's clock in ms (for stamps finer than a second: an Event's MicroTime, its name's nanoseconds). */
  nowMs(): number {
    return this.deps.clock.now();
  }

  key(r: ResourceType, namespace: string, name: string): StoreKey {
    return { resource: qualifiedResource(r), namespace: r.namespaced ? namespace : '', name };
  }

  /** The object, or 404. */
  async get(r: ResourceType, namespace: string, name: string): Promise<ReadonlyKubeObject> {
    return this.read(r, namespace, name);
  }

  /**
   * get() answering a missing object with undefined instead of a 404, for in-process callers that create what is
   * missing (a kubelet's Node and Lease): no ApiError (and no stack trace captured) per registration.
   */
  async find(r: ResourceType, namespace: string, name: string): Promise<ReadonlyKubeObject | undefined> {
    const key = this.key(r, namespace, name);
    return this.store.peek === undefined ? this.store.get(key) : this.store.peek(key);
  }

  /**
   * get() for in-process callers that await the answer anyway: the object itself when the store answers
   * synchronously (see ObjectStore.peek; a missing object throws 404 at once), else get()'s promise.
   */
  read(r: ResourceType, namespace: string, name: string): ReadonlyKubeObject | Promise<ReadonlyKubeObject> {
    const key = this.key(r, namespace, name);
    if (this.store.peek === undefined) return this.store.get(key).then((o) => found(r, name, o));
    return found(r, name, this.store.peek(key));
  }

  /** Objects of a resource in one namespace ("" = all), filtered by label and field selectors (400 on bad syntax). */
  async list(r: ResourceType, namespace: string, opts: ListOptions = {}): Promise<ObjectList> {
    const filter = this.filter(r, opts);
    const res = await this.store.list(qualifiedResource(r), r.namespaced ? namespace : '');
    return {
      apiVersion: groupVersion(r),
      kind: `${r.kind}List`,
      metadata: { resourceVersion: res.resourceVersion },
      items: res.items.filter(filter),
    };
  }

  /** A predicate for list and watch; throws 400 BadRequest on a malformed selector. */
  filter(r: ResourceType, opts: ListOptions): (o: ReadonlyKubeObject) => boolean {
    try {
      const labels = parseSelector(opts.labelSelector ?? '');
      const fields = parseFieldSelector(opts.fieldSelector ?? '', r.kind);
      return (o) => matchesSelector(labels, o.metadata.labels) && matchesFields(fields, o);
    } catch (e) {
      if (isKubewireError(e)) throw apiErrors.badRequest(e.message);
      throw e;
    }
  }

  async create(r: ResourceType, namespace: string, body: unknown, opts: WriteOptions = {}): Promise<ReadonlyKubeObject> {
    const obj = decodeBody(r, body, opts.owned === true);
    applyRequestNamespace(r, obj, namespace);
    if (r.namespaced) {
      const checked = this.checkNamespace(obj.metadata.namespace ?? '');
      if (checked !== undefined) await checked;
    }
    if ((obj.metadata.name ?? '') === '' && typeof obj.metadata.generateName === 'string' && obj.metadata.generateName !== '') {
      obj.metadata.name = obj.metadata.generateName + randomSuffix(this.deps.rng);
    }
    prepareForCreate(r, obj, this.deps.ids.uid(), this.now());
    for (const p of this.deps.admission ?? []) {
      const admitted = p.admit('CREATE', r, obj, undefined);
      if (admitted instanceof Promise) await admitted;
    }
    validateOrThrow(r, obj, undefined, this.validation);
    for (const p of this.deps.admission ?? []) p.validate?.('CREATE', r, obj, undefined);
    if (opts.dryRun === true) return obj;
    const name = obj.metadata.name ?? '';
    try {
      // The draft is ours alone: the store stamps and freezes it as it is, without another copy.
      return await this.store.create(this.key(r, namespace, name), obj, { owned: true });
    } catch (e) {
      if (isStoreError(e, 'KW_APISERVER_STORE_EXISTS')) throw apiErrors.alreadyExists(r, name);
      throw e;
    }
  }

  /** PUT: replaces the object (or its status); 409 when body.metadata.resourceVersion is stale. */
  async update(r: ResourceType, namespace: string, name: string, body: unknown, opts: WriteOptions & { subresource?: 'status' } = {}): Promise<ReadonlyKubeObject> {
    const owned = opts.owned === true;
    const obj = opts.subresource === 'status' ? decodeStatusBody(r, body, owned) : decodeBody(r, body, owned);
    applyRequestNamespace(r, obj, namespace);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw apiErrors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (obj.metadata.name !== name) writableMeta(obj).name = name;
    const read = this.read(r, namespace, name);
    return this.replace(r, obj, read instanceof Promise ? await read : read, opts);
  }

  /** PATCH in any of the four patch types; apply-patch creates the object when it does not exist. */
  async patch(
    r: ResourceType,
    namespace: string,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions & { subresource?: 'status'; force?: boolean } = {},
  ): Promise<ReadonlyKubeObject> {
    const old = await this.store.get(this.key(r, namespace, name));
    if (old === undefined) {
      if (type !== 'apply' || opts.subresource !== undefined) throw apiErrors.notFound(r, name);
      const fresh = decodeBody(r, patch);
      if (fresh.metadata.name !== name) throw apiErrors.badRequest(`the name of the object (${fresh.metadata.name ?? ''}) does not match the name on the URL (${name})`);
      return this.create(r, namespace, fresh, opts);
    }
    const patched = applyPatch(r, old, type, patch);
    if (!isJsonObject(patched)) throw apiErrors.unprocessable('the patch produced something that is not an object');
    const obj = decodeBody(r, patched);
    applyRequestNamespace(r, obj, namespace);
    if (obj.metadata.name !== name) throw apiErrors.badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    return this.replace(r, obj, old, opts);
  }

  /** The common tail of update and patch: carry system fields, default, admit, validate, compare-and-swap. */
  async replace(r: ResourceType, obj: KubeObject, old: ReadonlyKubeObject, opts: WriteOptions & { subresource?: 'status' } = {}): Promise<ReadonlyKubeObject> {
    const name = old.metadata.name ?? '';
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) throw apiErrors.conflict(r, name);
    const uid = obj.metadata.uid;
    if (uid !== undefined && uid !== '' && uid !== old.metadata.uid) {
      throw apiErrors.conflict(r, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
    }
    const next = prepareForUpdate(r, obj, old, opts.subresource);
    for (const p of this.deps.admission ?? []) {
      const admitted = p.admit('UPDATE', r, next, old);
      if (admitted instanceof Promise) await admitted;
    }
    // A status write keeps the stored metadata and spec (prepareForUpdate): when the spec is still the stored,
    // validated one, there is nothing new to validate (the status strategy's ValidateUpdate checks metadata and
    // status only, and status carries no checks here), so the object is not walked again on every kubelet write.
    if (opts.subresource !== 'status' || next['spec'] !== old['spec']) validateOrThrow(r, next, old, this.validation);
    for (const p of this.deps.admission ?? []) p.validate?.('UPDATE', r, next, old);
    if (opts.dryRun === true) return next;
    // A finalizer removed from an object being deleted completes the deletion (the garbage collector's contract).
    if (next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0 && r.kind !== 'Pod' && r.kind !== 'Namespace') {
      return this.remove(r, old);
    }
    if (jsonEqual(next, old)) return old; // a no-op update writes nothing and keeps the resourceVersion
    try {
      // next is this request's own draft (its envelope and metadata are new; its other parts new or shared, frozen).
      return await this.store.update(this.key(r, old.metadata.namespace ?? '', name), next, old.metadata.resourceVersion, { owned: true });
    } catch (e) {
      if (isStoreError(e, 'KW_APISERVER_STORE_CONFLICT')) throw apiErrors.conflict(r, name);
      if (isStoreError(e, 'KW_APISERVER_STORE_NOT_FOUND')) throw apiErrors.notFound(r, name);
      throw e;
    }
  }

  /**
   * DELETE. Pods bound to a node are deleted gracefully (deletionTimestamp set, removed when the kubelet
   * deletes them again with grace 0); objects with finalizers wait for them; a namespace turns
   * Terminating and goes when finalizeNamespace runs.
   */
  async delete(r: ResourceType, namespace: string, name: string, opts: DeleteOptions = {}): Promise<ReadonlyKubeObject> {
    const old = await this.get(r, namespace, name);
    const pre = opts.preconditions;
    if (pre?.uid !== undefined && pre.uid !== old.metadata.uid) {
      throw apiErrors.conflict(r, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw apiErrors.conflict(r, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion ?? ''}`);
    }
    if (opts.dryRun === true) return old;
    if (r.kind === 'Namespace') return this.markNamespaceTerminating(r, old);
    const grace = this.gracePeriod(r, old, opts);
    if (grace > 0 || (old.metadata.finalizers ?? []).length > 0) {
      const deadline = this.deps.clock.now() + grace * 1000;
      const marked = cloneJson(old) as KubeObject;
      const existing = old.metadata.deletionTimestamp;
      // A second delete may shorten the grace period but never extend it.
      if (existing === undefined || Date.parse(existing) > deadline) {
        marked.metadata.deletionTimestamp = rfc3339(deadline);
        marked.metadata.deletionGracePeriodSeconds = grace;
      }
      if (jsonEqual(marked, old)) return old;
      return this.store.update(this.key(r, namespace, name), marked, old.metadata.resourceVersion);
    }
    return this.remove(r, old);
  }

  /**
   * Namespace deletion is two-phase, as in Kubernetes: DELETE marks the namespace Terminating (new
   * content is refused with 403); finalizeNamespace, run by the namespace finalizer (namespace-finalizer.ts)
   * or a namespace controller, removes its content and then the namespace.
   */
  private async markNamespaceTerminating(r: ResourceType, old: ReadonlyKubeObject): Promise<ReadonlyKubeObject> {
    if (old.metadata.deletionTimestamp !== undefined) return old;
    const marked = cloneJson(old) as KubeObject;
    marked.metadata.deletionTimestamp = this.now();
    marked.metadata.deletionGracePeriodSeconds = 0;
    marked['status'] = { ...(isJsonObject(old['status']) ? old['status'] : {}), phase: 'Terminating' };
    return this.store.update(this.key(r, '', old.metadata.name ?? ''), marked, old.metadata.resourceVersion);
  }

  /** Removes everything in a Terminating namespace, then the namespace itself (no-op unless it is Terminating). */
  async finalizeNamespace(name: string): Promise<void> {
    const nsType = resourceByPlural('', 'namespaces');
    if (nsType === undefined) return;
    const ns = await this.store.get(this.key(nsType, '', name));
    if (ns?.metadata.deletionTimestamp === undefined) return;
    for (const nr of RESOURCE_TYPES.filter((t) => t.namespaced)) {
      for (const o of (await this.store.list(qualifiedResource(nr), name)).items) {
        await this.store.delete(this.key(nr, name, o.metadata.name ?? '')).catch((e: unknown) => {
          if (!isStoreError(e, 'KW_APISERVER_STORE_NOT_FOUND')) throw e;
        });
      }
    }
    await this.store.delete(this.key(nsType, '', name)).catch((e: unknown) => {
      if (!isStoreError(e, 'KW_APISERVER_STORE_NOT_FOUND')) throw e;
    });
  }

  private gracePeriod(r: ResourceType, pod: ReadonlyKubeObject, opts: DeleteOptions): number {
    if (r.kind !== 'Pod') return 0;
    const spec = isJsonObject(pod['spec']) ? pod['spec'] : {};
    const status = isJsonObject(pod['status']) ? pod['status'] : {};
    // Unscheduled or finished pods go at once (pod strategy CheckGracefulDelete).
    if (typeof spec['nodeName'] !== 'string' || spec['nodeName'] === '') return 0;
    if (status['phase'] === 'Succeeded' || status['phase'] === 'Failed') return 0;
    const g = opts.gracePeriodSeconds ?? (typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30);
    return Math.max(0, g);
  }

  private async remove(r: ResourceType, old: ReadonlyKubeObject): Promise<ReadonlyKubeObject> {
    const name = old.metadata.name ?? '';
    try {
      return await this.store.delete(this.key(r, old.metadata.namespace ?? '', name), old.metadata.resourceVersion);
    } catch (e) {
      if (isStoreError(e, 'KW_APISERVER_STORE_CONFLICT')) throw apiErrors.conflict(r, name);
      if (isStoreError(e, 'KW_APISERVER_STORE_NOT_FOUND')) throw apiErrors.notFound(r, name);
      throw e;
    }
  }

  async deleteCollection(r: ResourceType, namespace: string, list: ListOptions, opts: DeleteOptions = {}): Promise<ObjectList> {
    const l = await this.list(r, namespace, list);
    const items: ReadonlyKubeObject[] = [];
    for (const o of l.items) {
      try {
        items.push(await this.delete(r, o.metadata.namespace ?? '', o.metadata.name ?? '', opts));
      } catch (e) {
        if (!(e instanceof ApiError && e.status.code === 404)) throw e;
      }
    }
    return { ...l, items };
  }

  /**
   * NamespaceLifecycle admission: no new objects in a namespace that is missing (404) or terminating (403).
   * Checked synchronously (undefined: admitted) when the store answers synchronously, else a promise.
   */
  private checkNamespace(ns: string): undefined | Promise<void> {
    const nsType = NAMESPACES;
    if (nsType === undefined || ns === '') return undefined;
    const key = this.key(nsType, '', ns);
    if (this.store.peek === undefined) return this.store.get(key).then((o) => namespaceAdmits(nsType, ns, o));
    namespaceAdmits(nsType, ns, this.store.peek(key));
    return undefined;
  }
}

/** The object read, or 404. */
function found(r: ResourceType, name: string, o: ReadonlyKubeObject | undefined): ReadonlyKubeObject {
  if (o === undefined) throw apiErrors.notFound(r, name);
  return o;
}

/** Throws unless the namespace exists and is not terminating. */
function namespaceAdmits(nsType: ResourceType, ns: string, o: ReadonlyKubeObject | undefined): void {
  if (o === undefined) throw apiErrors.notFound(nsType, ns);
  if (o.metadata.deletionTimestamp !== undefined) {
    throw apiErrors.forbidden(`unable to create new content in namespace ${ns} because it is being terminated`);
  }
}
