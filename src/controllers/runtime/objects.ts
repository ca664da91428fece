import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isJsonObject, registeredResource, type KubeObject } from '../../api/index.js';

/** The resource types controllers work with. */
export const R = {
  namespaces: registeredResource('', 'namespaces'),
  nodes: registeredResource('', 'nodes'),
  pods: registeredResource('', 'pods'),
  services: registeredResource('', 'services'),
  serviceAccounts: registeredResource('', 'serviceaccounts'),
  deployments: registeredResource('apps', 'deployments'),
  replicaSets: registeredResource('apps', 'replicasets'),
  daemonSets: registeredResource('apps', 'daemonsets'),
  statefulSets: registeredResource('apps', 'statefulsets'),
  endpointSlices: registeredResource('discovery.k8s.io', 'endpointslices'),
  podDisruptionBudgets: registeredResource('policy', 'poddisruptionbudgets'),
  ingressClasses: registeredResource('networking.k8s.io', 'ingressclasses'),
} as const;

/** apps.ControllerRevisionHashLabelKey: the revision a DaemonSet's or StatefulSet's pod was made from. */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

export function specOf(o: KubeObject): Record<string, unknown> {
  const s = o['spec'];
  return isJsonObject(s) ? s : {};
}

export function statusOf(o: KubeObject): Record<string, unknown> {
  const s = o['status'];
  return isJsonObject(s) ? s : {};
}

export function nsName(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}

/** metav1.GetControllerOf */
export function controllerOf(o: KubeObject): OwnerReference | undefined {
  const refs = o.metadata.ownerReferences;
  if (refs === undefined) return undefined;
  for (const r of refs) if (r.controller === true) return r;
  return undefined;
}

/** "namespace/name" of the object's controller when it is of `kind` (the key its controller queues), else undefined. */
export function controllerKey(o: KubeObject, kind: string): string | undefined {
  const ref = controllerOf(o);
  return ref?.kind === kind ? `${o.metadata.namespace ?? ''}/${ref.name}` : undefined;
}

/**
 * podutil.IsPodAvailable's moment for a pod already Ready: when it counts as available, minReadySeconds after it
 * turned Ready (-Infinity without minReadySeconds; undefined when its Ready condition has no time to count from).
 */
export function availableFrom(readyPod: KubeObject, minReadyMs: number): number | undefined {
  if (minReadyMs === 0) return -Infinity;
  const since = Date.parse(String(condition(readyPod, 'Ready')?.lastTransitionTime ?? ''));
  return Number.isFinite(since) ? since + minReadyMs : undefined;
}

export function controllerRef(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export function isTerminating(o: KubeObject): boolean {
  return o.metadata.deletionTimestamp !== undefined;
}

interface Condition {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly lastTransitionTime?: unknown;
}

export function condition(o: KubeObject, type: string): Condition | undefined {
  const conds = statusOf(o)['conditions'];
  if (!Array.isArray(conds)) return undefined;
  for (const c of conds as unknown[]) if (isJsonObject(c) && c['type'] === type) return c;
  return undefined;
}

/** podutil.IsPodReady, shared with the eviction subresource. */
export { isPodReady } from '../../api/index.js';

export function podPhase(pod: KubeObject): string {
  const p = statusOf(pod)['phase'];
  return typeof p === 'string' ? p : 'Pending';
}

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && !isTerminating(pod);
}

export function podNodeName(pod: KubeObject): string {
  const n = specOf(pod)['nodeName'];
  return typeof n === 'string' ? n : '';
}

export function intField(o: Record<string, unknown>, k: string, dflt = 0): number {
  const v = o[k];
  return typeof v === 'number' ? v : dflt;
}

/** FNV-1a 32-bit, the hash kubewire uses wherever Kubernetes hashes or draws at random. */
export function fnv32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** JSON with object keys sorted, so equal objects hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isJsonObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** apimachinery rand.SafeEncodeString: each character mapped onto the alphabet without vowels or look-alikes. */
export function safeEncode(s: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < s.length; i++) out += alphabet[s.charCodeAt(i) % alphabet.length] ?? 'b';
  return out;
}
