import { isJsonObject, type ReadonlyKubeObject } from './object.js';

/** podutil.IsPodReady: the pod's Ready condition is True (read by controllers and by the eviction subresource). */
export function isPodReady(pod: ReadonlyKubeObject): boolean {
  const st = pod['status'];
  const conds = isJsonObject(st) ? st['conditions'] : undefined;
  if (!Array.isArray(conds)) return false;
  for (const c of conds as unknown[]) if (isJsonObject(c) && c['type'] === 'Ready') return c['status'] === 'True';
  return false;
}
