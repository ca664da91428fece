import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { isKubewireError } from '../lib/index.js';
import { matchesSelector, selectorFromLabelSelector } from './label-selector.js';
import { isJsonObject, type ReadonlyKubeObject } from './object.js';

/**
 * What the disruption controller and the eviction subresource both read of a PodDisruptionBudget
 * (policy/v1): which pods it covers and its status counters.
 */

/**
 * Whether the budget covers the pod: same namespace and its selector matches. A null selector covers no pod, an empty
 * one every pod of the namespace (policy/v1); an invalid one none (the eviction handler skips such a budget).
 */
export function budgetSelects(pdb: ReadonlyKubeObject, pod: ReadonlyKubeObject): boolean {
  if ((pdb.metadata.namespace ?? '') !== (pod.metadata.namespace ?? '')) return false;
  const spec = pdb['spec'];
  const sel = isJsonObject(spec) ? spec['selector'] : undefined;
  try {
    return matchesSelector(selectorFromLabelSelector(isJsonObject(sel) ? (sel as LabelSelector) : undefined), pod.metadata.labels);
  } catch (e) {
    if (isKubewireError(e)) return false;
    throw e;
  }
}

/** The counters of a budget's status (0 when unset: the fields have no omitempty and start at 0). */
export interface BudgetStatus {
  readonly observedGeneration: number;
  readonly disruptionsAllowed: number;
  readonly currentHealthy: number;
  readonly desiredHealthy: number;
  readonly expectedPods: number;
  readonly disruptedPods: Readonly<Record<string, string>>;
}

export function budgetStatus(pdb: ReadonlyKubeObject): BudgetStatus {
  const st = isJsonObject(pdb['status']) ? pdb['status'] : {};
  const n = (k: string): number => (typeof st[k] === 'number' ? st[k] : 0);
  const dp = st['disruptedPods'];
  const disruptedPods: Record<string, string> = {};
  if (isJsonObject(dp)) for (const [k, v] of Object.entries(dp)) if (typeof v === 'string') disruptedPods[k] = v;
  return {
    observedGeneration: n('observedGeneration'),
    disruptionsAllowed: n('disruptionsAllowed'),
    currentHealthy: n('currentHealthy'),
    desiredHealthy: n('desiredHealthy'),
    expectedPods: n('expectedPods'),
    disruptedPods,
  };
}

/**
 * The DisruptionAllowed condition (component-helpers poddisruptionbudget.UpdateDisruptionAllowedCondition): True with
 * SufficientPods while a disruption is allowed, else False with InsufficientPods; no message. The transition time
 * moves only when the status does.
 */
export function disruptionAllowedCondition(previous: unknown, allowed: number, observedGeneration: number, now: string): Record<string, unknown> {
  const status = allowed > 0 ? 'True' : 'False';
  const old = Array.isArray(previous) ? previous.find((c) => isJsonObject(c) && c['type'] === 'DisruptionAllowed') : undefined;
  const since = isJsonObject(old) && old['status'] === status && typeof old['lastTransitionTime'] === 'string' ? old['lastTransitionTime'] : now;
  return { type: 'DisruptionAllowed', status, observedGeneration, lastTransitionTime: since, reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods', message: '' };
}
