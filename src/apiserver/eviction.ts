import {
  budgetSelects,
  budgetStatus,
  disruptionAllowedCondition,
  isJsonObject,
  isPodReady,
  registeredResource,
  type KubeObject,
  type ReadonlyKubeObject,
} from '../api/index.js';
import type { ApiServer, DeleteOptions } from './api-server.js';
import { ApiError, apiErrors, isApiError, type Status } from './errors.js';

const PODS = registeredResource('', 'pods');
const BUDGETS = registeredResource('policy', 'poddisruptionbudgets');

/** MaxDisruptedPodSize: evictions the disruption controller has not yet seen through, at most. */
const MAX_DISRUPTED_PODS = 2000;
/** EvictionsRetry's steps: a budget whose status keeps changing under us is read again this many times. */
const RETRIES = 20;
const VIOLATES = "Cannot evict pod as it would violate the pod's disruption budget.";

const success = (): Status => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', message: '', reason: '', code: 201 });

/**
 * POST pods/<name>/eviction (policy/v1 Eviction), as pkg/registry/core/pod/storage/eviction.go decides it: a pod
 * that is finished, pending or already being deleted goes at once; otherwise the one PodDisruptionBudget covering it
 * must allow a disruption, which the eviction spends (disruptionsAllowed - 1, the pod noted in disruptedPods) before
 * the pod is marked DisruptionTarget and deleted. A budget that allows none answers 429, which `kubectl drain` retries
 * every 5 s. Two budgets over one pod: a Failure Status with code 500 (sent as the real server does, HTTP 201).
 * Dry run (deleteOptions.dryRun: [All]) decides the same and writes nothing.
 */
export async function evictPod(api: ApiServer, namespace: string, name: string, body: unknown): Promise<Status> {
  const meta = isJsonObject(body) && isJsonObject(body['metadata']) ? body['metadata'] : {};
  if (typeof meta['name'] === 'string' && meta['name'] !== '' && meta['name'] !== name) throw apiErrors.badRequest('name in URL does not match name in Eviction object');
  const opts = deleteOptions(body);
  const pod = await api.get(PODS, namespace, name);
  if (!canIgnoreBudget(pod)) {
    const budgets = (await api.list(BUDGETS, namespace)).items.filter((b) => budgetSelects(b, pod));
    if (budgets.length > 1) {
      return { ...success(), status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 };
    }
    const budget = budgets[0];
    if (budget !== undefined && (isPodReady(pod) || !unhealthyMayGo(budget))) await spendDisruption(api, budget, name, opts.dryRun === true);
  }
  if (opts.dryRun !== true) await markDisruptionTarget(api, pod);
  await api.delete(PODS, namespace, name, opts);
  return success();
}

/** canIgnorePDB: a Succeeded, Failed or Pending pod, or one already being deleted, disrupts nothing. */
function canIgnoreBudget(pod: ReadonlyKubeObject): boolean {
  const st = isJsonObject(pod['status']) ? pod['status'] : {};
  const phase = st['phase'];
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp !== undefined;
}

/**
 * An unready pod leaves without spending the budget when its policy is AlwaysAllow, or (IfHealthyBudget, also when
 * unset) while the budget's healthy pods already reach what it wants: taking an unready pod costs no health.
 */
function unhealthyMayGo(budget: ReadonlyKubeObject): boolean {
  const spec = isJsonObject(budget['spec']) ? budget['spec'] : {};
  const policy = spec['unhealthyPodEvictionPolicy'];
  if (policy === 'AlwaysAllow') return true;
  const s = budgetStatus(budget);
  return s.currentHealthy >= s.desiredHealthy && s.desiredHealthy > 0;
}

/** checkAndDecrement, retried on a conflicting write with the budget read again. */
async function spendDisruption(api: ApiServer, first: ReadonlyKubeObject, podName: string, dryRun: boolean): Promise<void> {
  let budget = first;
  for (let attempt = 1; ; attempt++) {
    const name = budget.metadata.name ?? '';
    const s = budgetStatus(budget);
    if (s.observedGeneration < (budget.metadata.generation ?? 0)) throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`, 10);
    if (s.disruptionsAllowed < 0) throw forbidden(name, 'pdb disruptions allowed is negative');
    if (Object.keys(s.disruptedPods).length > MAX_DISRUPTED_PODS) throw forbidden(name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    if (s.disruptionsAllowed === 0) throw tooManyRequests(`The disruption budget ${name} needs ${s.desiredHealthy} healthy pods and has ${s.currentHealthy} currently`, 0);
    if (dryRun) return;
    const old = isJsonObject(budget['status']) ? budget['status'] : {};
    const allowed = s.disruptionsAllowed - 1;
    const status: Record<string, unknown> = {
      ...old,
      disruptedPods: { ...s.disruptedPods, [podName]: api.now() },
      disruptionsAllowed: allowed,
      ...(allowed === 0 ? { conditions: [disruptionAllowedCondition(old['conditions'], 0, s.observedGeneration, api.now())] } : {}),
    };
    try {
      await api.update(BUDGETS, budget.metadata.namespace ?? '', name, { ...budget, status }, { subresource: 'status' });
      return;
    } catch (e) {
      if (!(isApiError(e) && e.status.code === 409)) throw e;
      if (attempt >= RETRIES) throw new ApiError(504, 'Timeout', `couldn't update PodDisruptionBudget "${name}" due to conflicts`, { retryAfterSeconds: 10 });
      budget = await api.get(BUDGETS, budget.metadata.namespace ?? '', name);
    }
  }
}

/** The DisruptionTarget condition the eviction adds before deleting (PodDisruptionConditions, GA in 1.31). */
async function markDisruptionTarget(api: ApiServer, pod: ReadonlyKubeObject): Promise<void> {
  const st = isJsonObject(pod['status']) ? pod['status'] : {};
  const conds = (Array.isArray(st['conditions']) ? st['conditions'] : []).filter((c) => !(isJsonObject(c) && c['type'] === 'DisruptionTarget'));
  conds.push({ type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: api.now(), reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
  const next: KubeObject = { ...pod, metadata: { ...pod.metadata }, status: { ...st, conditions: conds } };
  await api.update(PODS, pod.metadata.namespace ?? '', pod.metadata.name ?? '', next, { subresource: 'status' });
}

function deleteOptions(body: unknown): DeleteOptions {
  const del = isJsonObject(body) && isJsonObject(body['deleteOptions']) ? body['deleteOptions'] : undefined;
  const g = del?.['gracePeriodSeconds'];
  const dry = del?.['dryRun'];
  const pre = isJsonObject(del?.['preconditions']) ? del['preconditions'] : undefined;
  const uid = pre?.['uid'];
  const rv = pre?.['resourceVersion'];
  return {
    ...(typeof g === 'number' ? { gracePeriodSeconds: g } : {}),
    ...(Array.isArray(dry) && dry.includes('All') ? { dryRun: true } : {}),
    ...(typeof uid === 'string' || typeof rv === 'string'
      ? { preconditions: { ...(typeof uid === 'string' ? { uid } : {}), ...(typeof rv === 'string' ? { resourceVersion: rv } : {}) } }
      : {}),
  };
}

/** errors.NewTooManyRequests with the eviction's DisruptionBudget cause. */
function tooManyRequests(cause: string, retryAfterSeconds: number): ApiError {
  return new ApiError(429, 'TooManyRequests', VIOLATES, { causes: [{ reason: 'DisruptionBudget', message: cause }], ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}) });
}

function forbidden(name: string, why: string): ApiError {
  return new ApiError(403, 'Forbidden', `poddisruptionbudgets.policy "${name}" is forbidden: ${why}`, { name, group: 'policy', kind: 'poddisruptionbudgets' });
}
