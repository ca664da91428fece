export { ApiServer, rfc3339, type ApiServerDeps, type ListOptions, type WriteOptions, type DeleteOptions, type ObjectList } from './api-server.js';
export { type AdmissionPlugin, type AdmissionOperation, DAEMON_SET_TEMPLATE_GENERATION } from './admission.js';
export { ApiError, apiErrors, isApiError, type Status, type StatusCause, type StatusReason } from './errors.js';
export { type IdSource, rngIds } from './ids.js';
export { MemoryStore } from './memory-store.js';
export {
  type ObjectStore,
  type StoreKey,
  type StoreWriteOptions,
  type StoreEvent,
  type StoreEventType,
  type StoreListResult,
  type StoreWatchOptions,
  type StoreWatch,
  type StoreListener,
  StoreError,
  isStoreError,
} from './store.js';
export { type PatchType, patchTypeFromContentType, applyPatch } from './patching.js';
export { strategicMergePatch, jsonMergePatch, applyJsonPatch, serverSideApplyMerge } from './patch/index.js';
export { type Scale, getScale, updateScale, patchScale, scaleOf, bindPod } from './subresources.js';
export { evictPod } from './eviction.js';
export { watchResource, type WatchEvent, type WatchOptions } from './watch.js';
export { bootstrapNamespaces, SYSTEM_NAMESPACES } from './bootstrap.js';
export { startNamespaceFinalizer } from './namespace-finalizer.js';
export { EventRecorder, microTime, type EventKind, type EventSource, type InvolvedObject } from './event-recorder.js';
