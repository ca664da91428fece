import { isJsonObject, jsonEqual, type KubeObject } from '../api/index.js';
import { canonicalJson, fnv32, intField, safeEncode, specOf, statusOf } from './runtime/objects.js';

/** The annotations the Deployment controller keeps on ReplicaSets (deploymentutil). */
export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH = 'pod-template-hash';

/**
 * controller.ComputeHash: a 32-bit FNV hash of the pod template (and the collision count),
 * written as SafeEncodeString of its decimal digits, so the label is at most 10 characters.
 * Kubernetes hashes Go's spew dump of the struct; kubewire hashes canonical JSON: same shape,
 * different digits.
 */
export function podTemplateHash(template: unknown, collisionCount = 0): string {
  const text = canonicalJson(template) + (collisionCount > 0 ? `#${collisionCount}` : '');
  return safeEncode(String(fnv32(text)));
}

export function templateOf(o: KubeObject): Record<string, unknown> {
  const t = specOf(o)['template'];
  return isJsonObject(t) ? t : {};
}

/** EqualIgnoreHash: templates equal once the pod-template-hash label is dropped from both. */
export function equalIgnoreHash(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const strip = (t: Record<string, unknown>): unknown => {
    const c = structuredClone(t);
    const m = isJsonObject(c['metadata']) ? c['metadata'] : undefined;
    const labels = m !== undefined && isJsonObject(m['labels']) ? m['labels'] : undefined;
    if (labels !== undefined) {
      delete labels[POD_TEMPLATE_HASH];
      if (Object.keys(labels).length === 0 && m !== undefined) delete m['labels'];
    }
    return c;
  };
  return jsonEqual(strip(a), strip(b));
}

export function revisionOf(o: KubeObject): number {
  const r = Number(o.metadata.annotations?.[REVISION] ?? '0');
  return Number.isInteger(r) ? r : 0;
}

export function replicasOf(o: KubeObject): number {
  return intField(specOf(o), 'replicas', 1);
}

export function availableOf(rs: KubeObject): number {
  return intField(statusOf(rs), 'availableReplicas');
}

/**
 * intstr.GetScaledValueFromIntOrPercent: an integer as is, "25%" of `total` rounded up (maxSurge)
 * or down (maxUnavailable).
 */
export function scaled(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const m = /^(\d+)%$/.exec(v);
    if (m !== null) {
      const x = (Number(m[1]) * total) / 100;
      return roundUp ? Math.ceil(x) : Math.floor(x);
    }
    if (/^\d+$/.test(v)) return Number(v);
  }
  return 0;
}

/** ResolveFenceposts: (maxSurge, maxUnavailable) in pods; both zero would deadlock, so unavailable becomes 1. */
export function fenceposts(d: KubeObject): { maxSurge: number; maxUnavailable: number } {
  const strategy = specOf(d)['strategy'];
  const ru = isJsonObject(strategy) && isJsonObject(strategy['rollingUpdate']) ? strategy['rollingUpdate'] : {};
  const desired = replicasOf(d);
  const maxSurge = scaled(ru['maxSurge'] ?? '25%', desired, true);
  let maxUnavailable = scaled(ru['maxUnavailable'] ?? '25%', desired, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, desired) };
}

export function strategyType(d: KubeObject): string {
  const s = specOf(d)['strategy'];
  return isJsonObject(s) && typeof s['type'] === 'string' ? s['type'] : 'RollingUpdate';
}

/** Oldest first (controller.ReplicaSetsByCreationTimestamp); within one second (the timestamps' grain), lower revision first. */
export function byCreation(a: KubeObject, b: KubeObject): number {
  const ac = a.metadata.creationTimestamp ?? '';
  const bc = b.metadata.creationTimestamp ?? '';
  if (ac !== bc) return ac < bc ? -1 : 1;
  if (revisionOf(a) !== revisionOf(b)) return revisionOf(a) - revisionOf(b);
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}
