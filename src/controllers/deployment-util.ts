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
  // A stored template (frozen) hashes the same on every sync: its canonical text is made once.
  let canonical: string | undefined;
  if (typeof template === 'object' && template !== null && Object.isFrozen(template)) {
    canonical = canonicalTexts.get(template);
    if (canonical === undefined) {
      canonical = canonicalJson(template);
      canonicalTexts.set(template, canonical);
    }
  } else {
    canonical = canonicalJson(template);
  }
  const text = canonical + (collisionCount > 0 ? `#${collisionCount}` : '');
  return safeEncode(String(fnv32(text)));
}

const canonicalTexts = new WeakMap<object, string>();

export function templateOf(o: KubeObject): Record<string, unknown> {
  const t = specOf(o)['template'];
  return isJsonObject(t) ? t : {};
}

/** EqualIgnoreHash: templates equal once the pod-template-hash label is dropped from both (compared in place). */
export function equalIgnoreHash(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = (t: Record<string, unknown>): string[] => Object.keys(t).filter((k) => t[k] !== undefined && k !== 'metadata');
  const ka = keys(a);
  const kb = keys(b);
  if (ka.length !== kb.length || !ka.every((k) => jsonEqual(a[k], b[k]))) return false;
  const labelsOf = (t: Record<string, unknown>): Record<string, unknown> | undefined => {
    const m = isJsonObject(t['metadata']) ? t['metadata'] : undefined;
    return m !== undefined && isJsonObject(m['labels']) ? m['labels'] : undefined;
  };
  const restOf = (t: Record<string, unknown>): Record<string, unknown> => {
    const m = isJsonObject(t['metadata']) ? t['metadata'] : {};
    const r: Record<string, unknown> = {};
    for (const k of Object.keys(m)) if (k !== 'labels') r[k] = m[k];
    return r;
  };
  const la = labelsOf(a) ?? {};
  const lb = labelsOf(b) ?? {};
  const lk = (l: Record<string, unknown>): string[] => Object.keys(l).filter((k) => k !== POD_TEMPLATE_HASH && l[k] !== undefined);
  const lka = lk(la);
  const lkb = lk(lb);
  if (lka.length !== lkb.length || !lka.every((k) => la[k] === lb[k])) return false;
  // metadata: {} and no metadata at all are the same template (the stripped copy of old kept an empty object).
  const ra = restOf(a);
  const rb = restOf(b);
  return jsonEqual(ra, rb) || (Object.keys(ra).length === 0 && Object.keys(rb).length === 0);
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
