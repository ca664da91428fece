import type { KubeObject, ReadonlyKubeObject } from '../api/index.js';
import { KubewireError } from '../lib/index.js';

/**
 * Where objects live. Like etcd under kube-apiserver, a store knows nothing of kinds, defaults or
 * validation: it keeps JSON objects under keys, stamps a global, monotonically increasing
 * resourceVersion on every write, refuses stale writes, and replays changes to watchers in order.
 * Every method that may touch a disk or a network is async, so a persistent back end fits the same
 * interface; `watch` registers synchronously so no event can slip between a list and a watch.
 *
 * Stored objects are deep-frozen and shared: get, list, watch events and the results of writes all
 * hand out the stored object itself (typed ReadonlyKubeObject), never a copy, so a read costs nothing
 * and nobody can change the store behind its back. A write takes in a frozen object as it is and
 * copies an unfrozen one, so the caller's object stays the caller's.
 */
export interface StoreKey {
  /** "pods", "deployments.apps": the group-qualified plural. */
  readonly resource: string;
  /** "" for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
}

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly type: StoreEventType;
  readonly resource: string;
  /** The object after the change (for DELETED: its last state, with the deletion's resourceVersion). */
  readonly object: ReadonlyKubeObject;
  /** The object before the change, for MODIFIED and DELETED (lets filtered watches turn a change into ADDED/DELETED). */
  readonly previous?: ReadonlyKubeObject;
}

export interface StoreListResult {
  readonly items: readonly ReadonlyKubeObject[];
  /** The store's resourceVersion when the list was taken: watch from it to see every later change. */
  readonly resourceVersion: string;
}

export interface StoreWatchOptions {
  /** Only this resource ("pods"); all resources when absent. */
  readonly resource?: string;
  /** Only this namespace; all when absent or "". */
  readonly namespace?: string;
  /** Deliver every event after this resourceVersion first (replay), then live events. Absent: live only. */
  readonly fromResourceVersion?: string;
}

export interface StoreWatch {
  /** Stops delivery; idempotent. */
  stop(): void;
}

export type StoreListener = (event: StoreEvent) => void;

export interface StoreWriteOptions {
  /**
   * The caller gives the object up (a draft built for this write, e.g. the API server's own): the store stamps
   * its resourceVersion into it and freezes it, instead of copying its envelope and metadata first. Its parts
   * may already be frozen (shared with older objects). An owned object with a frozen envelope or metadata is
   * taken as a frozen one.
   */
  readonly owned?: boolean;
}

export interface ObjectStore {
  /** The stored object (frozen, shared), or undefined. */
  get(key: StoreKey): Promise<ReadonlyKubeObject | undefined>;
  /**
   * The stored object as get() gives it, answered synchronously: only stores that hold their objects in memory have
   * it. The API server reads through it when present, so an in-process request (a kubelet's status write, a binding)
   * costs no promise and no trip through the microtask queue per read.
   */
  peek?(key: StoreKey): ReadonlyKubeObject | undefined;
  /** Every object of a resource, in one namespace or all, sorted by namespace then name. */
  list(resource: string, namespace?: string): Promise<StoreListResult>;
  /** Stores a new object; throws StoreError KW_APISERVER_STORE_EXISTS when the key is taken. */
  create(key: StoreKey, obj: KubeObject | ReadonlyKubeObject, opts?: StoreWriteOptions): Promise<ReadonlyKubeObject>;
  /**
   * Replaces an object. With `expectedResourceVersion`, refuses (KW_APISERVER_STORE_CONFLICT) unless the stored
   * object still has it: the optimistic concurrency of etcd's compare-and-swap. KW_APISERVER_STORE_NOT_FOUND when absent.
   */
  update(key: StoreKey, obj: KubeObject | ReadonlyKubeObject, expectedResourceVersion?: string, opts?: StoreWriteOptions): Promise<ReadonlyKubeObject>;
  /** Removes an object and returns its last state; same preconditions as update. */
  delete(key: StoreKey, expectedResourceVersion?: string): Promise<ReadonlyKubeObject>;
  /** Subscribes; throws StoreError KW_APISERVER_STORE_GONE when fromResourceVersion is older than the kept history. */
  watch(opts: StoreWatchOptions, listener: StoreListener): StoreWatch;
  /** The resourceVersion of the latest write. */
  currentResourceVersion(): string;
}

export type StoreErrorCode = 'KW_APISERVER_STORE_EXISTS' | 'KW_APISERVER_STORE_NOT_FOUND' | 'KW_APISERVER_STORE_CONFLICT' | 'KW_APISERVER_STORE_GONE';

export class StoreError extends KubewireError {
  override readonly name = 'StoreError';
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, where?: string) {
    super(code, message, where === undefined ? {} : { where });
  }
}

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}
