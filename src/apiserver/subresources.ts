import {
  cloneJson,
  isJsonObject,
  resourceByPlural,
  selectorFromLabelSelector,
  selectorToString,
  type KubeObject,
  type ResourceType,
} from '../api/index.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { ApiServer, DeleteOptions } from './api-server.js';
import { apiErrors, type Status } from './errors.js';
import { applyPatch, type PatchType } from './patching.js';

/**
 * Subresources: /scale (autoscaling/v1 Scale over Deployments and ReplicaSets, what `kubectl scale`
 * reads and patches), pods/eviction (what `kubectl drain` posts) and pods/binding (what a scheduler posts).
 */
export interface Scale {
  readonly kind: 'Scale';
  readonly apiVersion: 'autoscaling/v1';
  readonly metadata: KubeObject['metadata'];
  readonly spec: { readonly replicas: number };
  readonly status: { readonly replicas: number; readonly selector?: string };
}

function requireScale(r: ResourceType): void {
  if (!r.subresources.includes('scale')) throw apiErrors.badRequest(`${r.plural} have no scale subresource`);
}

export function scaleOf(obj: KubeObject): Scale {
  const spec = isJsonObject(obj['spec']) ? obj['spec'] : {};
  const status = isJsonObject(obj['status']) ? obj['status'] : {};
  const m = obj.metadata;
  let selector: string | undefined;
  try {
    const sel = selectorFromLabelSelector(spec['selector'] as LabelSelector | undefined);
    selector = sel === null ? undefined : selectorToString(sel);
  } catch {
    selector = undefined;
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name ?? '',
      namespace: m.namespace ?? '',
      uid: m.uid ?? '',
      resourceVersion: m.resourceVersion ?? '',
      creationTimestamp: m.creationTimestamp ?? '',
    },
    spec: { replicas: typeof spec['replicas'] === 'number' ? spec['replicas'] : 0 },
    status: { replicas: typeof status['replicas'] === 'number' ? status['replicas'] : 0, ...(selector === undefined ? {} : { selector }) },
  };
}

export async function getScale(api: ApiServer, r: ResourceType, namespace: string, name: string): Promise<Scale> {
  requireScale(r);
  return scaleOf(await api.get(r, namespace, name));
}

/** PUT .../scale: sets spec.replicas; a stale metadata.resourceVersion in the Scale is a 409, as on the parent. */
export async function updateScale(api: ApiServer, r: ResourceType, namespace: string, name: string, body: unknown): Promise<Scale> {
  requireScale(r);
  if (!isJsonObject(body) || !isJsonObject(body['spec'])) throw apiErrors.badRequest('the body of the request must be an autoscaling/v1 Scale');
  const replicas = body['spec']['replicas'];
  const old = await api.get(r, namespace, name);
  const next = cloneJson(old) as KubeObject;
  const spec = isJsonObject(next['spec']) ? next['spec'] : {};
  spec['replicas'] = replicas;
  next['spec'] = spec;
  const meta = isJsonObject(body['metadata']) ? body['metadata'] : {};
  const rv = meta['resourceVersion'];
  next.metadata.resourceVersion = typeof rv === 'string' && rv !== '' ? rv : (old.metadata.resourceVersion ?? '');
  return scaleOf(await api.replace(r, next, old));
}

export async function patchScale(api: ApiServer, r: ResourceType, namespace: string, name: string, type: PatchType, patch: unknown): Promise<Scale> {
  const current = await getScale(api, r, namespace, name);
  const patched = applyPatch(r, current as unknown as KubeObject, type === 'apply' ? 'merge' : type, patch);
  return updateScale(api, r, namespace, name, patched);
}

/**
 * POST pods/<name>/binding: the only way to set spec.nodeName after creation (a scheduler's bind step);
 * 409 when the pod is already bound. Also marks the PodScheduled condition, as the binding storage does.
 */
export async function bindPod(api: ApiServer, namespace: string, name: string, body: unknown): Promise<Status> {
  const pods = podsType();
  const target = isJsonObject(body) && isJsonObject(body['target']) ? body['target'] : undefined;
  const node = target?.['name'];
  if (typeof node !== 'string' || node === '') throw apiErrors.unprocessable('target.name: Required value');
  const read = api.read(pods, namespace, name);
  const pod = read instanceof Promise ? await read : read;
  const spec = isJsonObject(pod['spec']) ? pod['spec'] : {};
  if (typeof spec['nodeName'] === 'string' && spec['nodeName'] !== '') {
    throw apiErrors.conflict(pods, name, `pod ${name} is already assigned to node "${spec['nodeName']}"`);
  }
  if (pod.metadata.deletionTimestamp !== undefined) throw apiErrors.conflict(pods, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  const status = isJsonObject(pod['status']) ? pod['status'] : {};
  const conds = Array.isArray(status['conditions']) ? status['conditions'].filter((c) => !(isJsonObject(c) && c['type'] === 'PodScheduled')) : [];
  conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: api.now() });
  // The stored pod is frozen and shared: the bound pod is a new envelope over its unchanged parts, handed to the
  // store to stamp and freeze in place.
  const bound: KubeObject = { ...pod, metadata: { ...pod.metadata }, spec: { ...spec, nodeName: node }, status: { ...status, conditions: conds } };
  await api.store.update(api.key(pods, namespace, name), bound, pod.metadata.resourceVersion, { owned: true });
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', message: '', reason: '', code: 201 };
}

function podsType(): ResourceType {
  const pods = resourceByPlural('', 'pods');
  if (pods === undefined) throw new Error('pods resource missing from the registry');
  return pods;
}
