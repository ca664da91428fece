import {
  cloneJson,
  copyUnfrozen,
  defaultObject,
  groupVersion,
  initialPodStatus,
  isJsonObject,
  jsonEqual,
  keepAllocatedServiceValues,
  validateObject,
  type JsonObject,
  type KubeObject,
  type ReadonlyKubeObject,
  type ResourceType,
  type ValidationOptions,
  undecodableData,
} from '../api/index.js';
import { apiErrors } from './errors.js';

/**
 * The steps every write goes through before it reaches the store, in kube-apiserver's order:
 * decode and check the envelope, reset system fields, default, run admission plugins, validate.
 * Nothing here writes: a failed step leaves the store untouched.
 */
export type AdmissionOperation = 'CREATE' | 'UPDATE';

/** A mutating/validating admission plugin (a later module can allocate ClusterIPs or NodePorts here). */
export interface AdmissionPlugin {
  readonly name: string;
  /** May change `obj`; throws an ApiError to refuse. Runs after defaulting, before validation. */
  admit(op: AdmissionOperation, r: ResourceType, obj: KubeObject, old: ReadonlyKubeObject | undefined): void | Promise<void>;
  /** A validating plugin's check: runs after validation (so an invalid object is refused with 422 first); throws to refuse. */
  validate?(op: AdmissionOperation, r: ResourceType, obj: KubeObject, old: ReadonlyKubeObject | undefined): void;
}

/** Status is reset on create for kinds whose strategy does so (PrepareForCreate). */
const RESET_STATUS_ON_CREATE = new Set(['Pod', 'Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'Service', 'PodDisruptionBudget', 'Ingress']);

/** A body must be an object of resource `r`: a mismatched apiVersion or kind, or non-object metadata, is a 400. */
function checkEnvelope(r: ResourceType, body: unknown): asserts body is JsonObject {
  if (!isJsonObject(body)) throw apiErrors.badRequest(`the body of the request must be a ${r.kind} object`);
  const gv = groupVersion(r);
  const apiVersion = body['apiVersion'];
  const kind = body['kind'];
  if (apiVersion !== undefined && apiVersion !== gv) {
    throw apiErrors.badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${gv})`);
  }
  if (kind !== undefined && kind !== r.kind) throw apiErrors.badRequest(`the kind in the data (${String(kind)}) does not match the expected kind (${r.kind})`);
  const metadata = body['metadata'];
  if (metadata !== undefined && metadata !== null && !isJsonObject(metadata)) throw apiErrors.badRequest('metadata must be an object');
}

/** Narrows a request body to an object of resource `r`, refusing a mismatched apiVersion or kind (400). */
export function decodeBody(r: ResourceType, body: unknown, owned = false): KubeObject {
  checkEnvelope(r, body);
  // A ConfigMap's or Secret's map of the wrong type or bad base64 fails the real server's decoding, before any
  // defaulting or validation.
  const undecodable = undecodableData(r.kind, body);
  if (undecodable !== undefined) throw apiErrors.badRequest(`${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: ${undecodable}`);
  const gv = groupVersion(r);
  let obj: KubeObject;
  if (COPY_ON_WRITE.has(r.kind)) {
    // The draft shares the body's frozen parts (a stored object's, e.g. a ReplicaSet's pod template): its
    // envelope and metadata are its own, and defaulting copies a frozen part before writing into it (CowObject).
    // A body the caller gave up (owned) is the draft itself.
    const copy = (owned ? body : copyUnfrozen(body)) as KubeObject;
    obj = Object.isFrozen(copy) ? { ...copy } : copy;
    obj.metadata = isJsonObject(obj.metadata) ? (Object.isFrozen(obj.metadata) ? { ...obj.metadata } : obj.metadata) : {};
  } else {
    // One deep copy: the draft is the server's own from here on (and may share nothing with a frozen stored object).
    obj = cloneJson(body) as KubeObject;
    if (!isJsonObject(obj.metadata)) obj.metadata = {};
  }
  obj.apiVersion = gv;
  obj.kind = r.kind;
  return obj;
}

/**
 * Kinds whose writes after decoding (defaulting, prepareForCreate/Update) never write into a part below
 * the envelope and metadata except through CowObject. Services are left out: the ClusterIP/NodePort
 * allocator writes into their spec.
 */
const COPY_ON_WRITE = new Set(['Pod', 'ReplicaSet', 'Deployment', 'EndpointSlice']);

/**
 * decodeBody for a write to the status subresource, which takes only the body's status from the client
 * (and its metadata's name, namespace, uid and resourceVersion as preconditions; see prepareForUpdate):
 * the same checks, but only the metadata's top level and the status are copied, and of the status only
 * what is not frozen. Frozen parts (a status built over the stored one, as kubelets and controllers do)
 * are stored as they are: nothing writes into a status after this point.
 */
export function decodeStatusBody(r: ResourceType, body: unknown, owned = false): KubeObject {
  checkEnvelope(r, body);
  const gv = groupVersion(r);
  const metadata = body['metadata'];
  // The metadata is read for its preconditions only (the stored object's is kept): a body the caller gave up keeps
  // its own, even frozen (a kubelet's status write carries the stored pod's); writes into it go through writableMeta.
  const meta = isJsonObject(metadata) ? (owned ? metadata : { ...metadata }) : {};
  const obj: KubeObject = { apiVersion: gv, kind: r.kind, metadata: meta };
  if (body['status'] !== undefined) obj['status'] = owned ? body['status'] : copyUnfrozen(body['status']);
  return obj;
}

/** The draft's metadata, to write into: a frozen one (shared with a stored object) is replaced by a copy first. */
export function writableMeta(obj: KubeObject): KubeObject['metadata'] {
  if (Object.isFrozen(obj.metadata)) obj.metadata = { ...obj.metadata };
  return obj.metadata;
}

/** Puts the URL's namespace on the object, refusing a different one in the body (400), as the real handlers do. */
export function applyRequestNamespace(r: ResourceType, obj: KubeObject, namespace: string): void {
  if (!r.namespaced) {
    if ('namespace' in obj.metadata) delete writableMeta(obj).namespace;
    return;
  }
  const ns = obj.metadata.namespace;
  if (ns !== undefined && ns !== '' && ns !== namespace) {
    throw apiErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (ns !== namespace) writableMeta(obj).namespace = namespace;
}

export function prepareForCreate(r: ResourceType, obj: KubeObject, uid: string, timestamp: string): void {
  const m = obj.metadata;
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  m.uid = uid;
  m.creationTimestamp = timestamp;
  if (r.hasGeneration) m.generation = 1;
  else delete m.generation;
  if (RESET_STATUS_ON_CREATE.has(r.kind)) delete obj['status'];
  defaultObject(r, obj);
  if (r.kind === 'Pod') obj['status'] = initialPodStatus(obj);
  if (r.kind === 'DaemonSet') setTemplateGeneration(obj, Math.max(1, templateGeneration(obj)));
}

/**
 * A DaemonSet's spec.templateGeneration (internal API), which apps/v1 carries in this annotation: the DaemonSet
 * strategy starts it at 1 and bumps it with every template change; the controller labels its pods with it.
 */
export const DAEMON_SET_TEMPLATE_GENERATION = 'deprecated.daemonset.template.generation';

function templateGeneration(o: ReadonlyKubeObject): number {
  const v = Number(o.metadata.annotations?.[DAEMON_SET_TEMPLATE_GENERATION] ?? '0');
  return Number.isSafeInteger(v) && v > 0 ? v : 0;
}

function setTemplateGeneration(obj: KubeObject, n: number): void {
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [DAEMON_SET_TEMPLATE_GENERATION]: String(n) };
}

/**
 * Carries the fields a client cannot change on update from the stored object. For the main resource
 * of a kind with a status subresource the status is kept; for the status subresource everything but
 * the status is kept (ResetObjectMetaForStatus).
 */
export function prepareForUpdate(r: ResourceType, obj: KubeObject, old: ReadonlyKubeObject, subresource: 'status' | undefined): KubeObject {
  let next: KubeObject;
  if (subresource === 'status') {
    // The stored object is frozen: a new envelope and metadata over its unchanged parts. A Service's spec
    // is copied because the allocator's admission may write its allocated values back into it.
    next = { ...old, metadata: { ...old.metadata } };
    if (r.kind === 'Service' && old['spec'] !== undefined) next['spec'] = cloneJson(old['spec']);
    if (obj['status'] === undefined) delete next['status'];
    else next['status'] = obj['status'];
  } else {
    next = obj;
    if (r.subresources.includes('status')) {
      // Shared with the stored object (frozen); nothing after this point writes into status.
      if (old['status'] === undefined) delete next['status'];
      else next['status'] = old['status'];
    }
    const m = next.metadata;
    const om = old.metadata;
    m.uid = om.uid ?? '';
    m.creationTimestamp = om.creationTimestamp ?? '';
    m.namespace = om.namespace ?? '';
    if (!r.namespaced) delete m.namespace;
    if (om.deletionTimestamp === undefined) delete m.deletionTimestamp;
    else m.deletionTimestamp = om.deletionTimestamp;
    if (om.deletionGracePeriodSeconds === undefined) delete m.deletionGracePeriodSeconds;
    else m.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
    if (om.generation === undefined) delete m.generation;
    else m.generation = om.generation;
    defaultObject(r, next);
    if (r.kind === 'Service') keepAllocatedServiceValues(next, old);
    // Generation counts spec changes (metadata.generation contract; Deployment/ReplicaSet strategies).
    if (r.hasGeneration && !jsonEqual(next['spec'], old['spec'])) m.generation = (om.generation ?? 0) + 1;
    if (r.kind === 'DaemonSet') {
      const oldSpec = isJsonObject(old['spec']) ? old['spec'] : {};
      const newSpec = isJsonObject(next['spec']) ? next['spec'] : {};
      setTemplateGeneration(next, templateGeneration(old) + (jsonEqual(newSpec['template'], oldSpec['template']) ? 0 : 1));
    }
  }
  next.metadata.resourceVersion = old.metadata.resourceVersion ?? '';
  return next;
}

export function validateOrThrow(r: ResourceType, obj: KubeObject, old: ReadonlyKubeObject | undefined, opts: ValidationOptions): void {
  const errs = validateObject(r, obj, old, opts);
  if (errs.length > 0) throw apiErrors.invalid(r, obj.metadata.name ?? obj.metadata.generateName ?? '', errs);
}
