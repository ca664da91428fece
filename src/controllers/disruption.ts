import { budgetSelects, budgetStatus, disruptionAllowedCondition, isJsonObject, jsonEqual, type KubeObject } from '../api/index.js';
import { EventRecorder, type ApiServer } from '../apiserver/index.js';
import { scaled } from './deployment-util.js';
import type { Informers } from './runtime/informers.js';
import { controllerOf, isPodReady, isTerminating, nsName, R, specOf, statusOf } from './runtime/objects.js';
import type { TimerQueue } from './runtime/timers.js';
import { QueueController } from './runtime/work-queue.js';

/** DeletionTimeout: an evicted pod not seen deleted within this is counted again (and reported NotDeleted). */
const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** What a budget's counts come to: or why they cannot be known (the controller then fails safe). */
type Counts = { readonly expected: number; readonly desired: number } | { readonly error: string };

/**
 * kube-controller-manager's disruption controller (pkg/controller/disruption): keeps each PodDisruptionBudget's
 * status — how many of its pods are expected, how many must stay healthy, how many are, and so how many may be
 * evicted now — which the eviction subresource then spends. Expected pods come from the scale of the pods'
 * controllers (a Deployment through its ReplicaSet, a ReplicaSet, a StatefulSet) unless minAvailable is an integer.
 */
export class DisruptionController extends QueueController {
  readonly name = 'disruption-controller';
  private readonly events: EventRecorder;

  constructor(
    private readonly api: ApiServer,
    private readonly informers: Informers,
    private readonly timers: TimerQueue,
  ) {
    super();
    this.events = new EventRecorder(api, { component: 'controllermanager' });
    informers.on(R.podDisruptionBudgets, (type, _pdb, _old, key) => {
      if (type !== 'DELETED') this.enqueue(key);
    });
    informers.on(R.pods, (_type, pod, old) => {
      this.enqueueCovering(pod);
      if (old !== undefined && old.metadata.labels !== pod.metadata.labels) this.enqueueCovering(old);
    });
    // A controller's scale is a budget's expected pod count.
    for (const r of [R.replicaSets, R.deployments, R.statefulSets]) {
      informers.on(r, (_type, o, old) => {
        if (old === undefined || specOf(o)['replicas'] !== specOf(old)['replicas']) this.enqueueNamespace(o.metadata.namespace ?? '');
      });
    }
  }

  /** The budgets of the pod's namespace that select it (a cluster without budgets pays one size check per event). */
  private enqueueCovering(pod: KubeObject): void {
    if (this.informers.count(R.podDisruptionBudgets) === 0) return;
    for (const pdb of this.informers.listNamespace(R.podDisruptionBudgets, pod.metadata.namespace ?? '')) if (budgetSelects(pdb, pod)) this.enqueue(nsName(pdb));
  }

  private enqueueNamespace(namespace: string): void {
    if (this.informers.count(R.podDisruptionBudgets) === 0) return;
    for (const pdb of this.informers.listNamespace(R.podDisruptionBudgets, namespace)) this.enqueue(nsName(pdb));
  }

  protected async sync(key: string): Promise<void> {
    const i = key.indexOf('/');
    const pdb = this.informers.get(R.podDisruptionBudgets, key.slice(0, i), key.slice(i + 1));
    if (pdb === undefined) return;
    const pods = this.informers.listNamespace(R.pods, pdb.metadata.namespace ?? '').filter((p) => budgetSelects(pdb, p));
    if (pods.length === 0) await this.events.record({ r: R.podDisruptionBudgets, obj: pdb }, 'Normal', 'NoPods', 'No matching pods found');
    const counts = this.counts(pdb, pods);
    const now = this.timers.clock.now();
    if ('error' in counts) {
      await this.failSafe(pdb, counts.error);
      return;
    }
    const disrupted = this.disruptedPods(pdb, pods, now);
    let healthy = 0;
    for (const p of pods) {
      if (isTerminating(p)) continue;
      const at = disrupted[p.metadata.name ?? ''];
      if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > now) continue;
      if (isPodReady(p)) healthy++;
    }
    let allowed = healthy - counts.desired;
    if (counts.expected <= 0 || allowed <= 0) allowed = 0;
    const generation = pdb.metadata.generation ?? 0;
    const old = statusOf(pdb);
    const status: Record<string, unknown> = {
      observedGeneration: generation,
      ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
      disruptionsAllowed: allowed,
      currentHealthy: healthy,
      desiredHealthy: counts.desired,
      expectedPods: counts.expected,
      conditions: [disruptionAllowedCondition(old['conditions'], allowed, generation, this.api.now())],
    };
    await this.writeStatus(pdb, status);
  }

  /** getExpectedPodCount: maxUnavailable first, then minAvailable (an integer counts the selected pods as expected). */
  private counts(pdb: KubeObject, pods: readonly KubeObject[]): Counts {
    const spec = specOf(pdb);
    const max = spec['maxUnavailable'];
    const min = spec['minAvailable'];
    if (max !== undefined) {
      const scale = this.expectedScale(pdb, pods);
      if ('error' in scale) return scale;
      return { expected: scale.expected, desired: Math.max(0, scale.expected - scaled(max, scale.expected, true)) };
    }
    if (typeof min === 'number') return { expected: pods.length, desired: min };
    if (typeof min === 'string') {
      const scale = this.expectedScale(pdb, pods);
      if ('error' in scale) return scale;
      return { expected: scale.expected, desired: scaled(min, scale.expected, true) };
    }
    return { expected: 0, desired: 0 };
  }

  /**
   * getExpectedScale: the replicas of every distinct controller of the selected pods. A pod without a controller is
   * not counted (and reported: such pods need an integer minAvailable); a controller that is gone, or one without a
   * scale (a DaemonSet), makes the count unknowable.
   */
  private expectedScale(pdb: KubeObject, pods: readonly KubeObject[]): { expected: number } | { error: string } {
    const counted = new Set<string>();
    const unmanaged: string[] = [];
    let expected = 0;
    for (const pod of pods) {
      const ref = controllerOf(pod);
      if (ref === undefined) {
        unmanaged.push(pod.metadata.name ?? '');
        continue;
      }
      const found = this.scaleOf(pod.metadata.namespace ?? '', ref.kind, ref.name, ref.uid);
      if (typeof found === 'string') return { error: found === '' ? `found no controllers for pod "${pod.metadata.name ?? ''}"` : found };
      if (counted.has(found.uid)) continue;
      counted.add(found.uid);
      expected += found.replicas;
    }
    if (unmanaged.length > 0) {
      void this.events.record(
        { r: R.podDisruptionBudgets, obj: pdb },
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(specOf(pdb)['selector'] ?? null)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    return { expected };
  }

  /** The finders in their order: a ReplicaSet a Deployment controls counts as the Deployment. '' when none finds it. */
  private scaleOf(namespace: string, kind: string, name: string, uid: string): { uid: string; replicas: number } | string {
    const replicas = (o: KubeObject): number => {
      const n = specOf(o)['replicas'];
      return typeof n === 'number' ? n : 1;
    };
    if (kind === 'ReplicaSet') {
      const rs = this.informers.get(R.replicaSets, namespace, name);
      if (rs === undefined || rs.metadata.uid !== uid) return '';
      const owner = controllerOf(rs);
      if (owner === undefined) return { uid, replicas: replicas(rs) };
      if (owner.kind !== 'Deployment') return '';
      const d = this.informers.get(R.deployments, namespace, owner.name);
      return d === undefined || d.metadata.uid !== owner.uid ? '' : { uid: owner.uid, replicas: replicas(d) };
    }
    if (kind === 'StatefulSet') {
      const s = this.informers.get(R.statefulSets, namespace, name);
      return s === undefined || s.metadata.uid !== uid ? '' : { uid, replicas: replicas(s) };
    }
    if (kind === 'DaemonSet') return 'daemonsets.apps does not implement the scale subresource';
    return '';
  }

  /**
   * buildDisruptedPodMap: the evictions not yet seen through, for pods still selected and not being deleted; one past
   * the deletion timeout is dropped (the pod counts again) and reported, and the budget is looked at again when the
   * next one runs out.
   */
  private disruptedPods(pdb: KubeObject, pods: readonly KubeObject[], now: number): Record<string, string> {
    const before = budgetStatus(pdb).disruptedPods;
    const kept: Record<string, string> = {};
    let recheck = Infinity;
    for (const p of pods) {
      const name = p.metadata.name ?? '';
      const at = before[name];
      if (at === undefined || isTerminating(p)) continue;
      const due = Date.parse(at) + DELETION_TIMEOUT_MS;
      if (due < now) {
        void this.events.record({ r: R.pods, obj: p }, 'Warning', 'NotDeleted', `Pod was expected by PDB ${nsName(pdb)} to be deleted but it wasn't`);
        continue;
      }
      kept[name] = at;
      recheck = Math.min(recheck, due);
    }
    if (Number.isFinite(recheck)) this.timers.at(recheck, () => this.enqueue(nsName(pdb)));
    return kept;
  }

  /** failSafe: no disruption allowed until the budget can be counted again; the other counters stay as they were. */
  private async failSafe(pdb: KubeObject, message: string): Promise<void> {
    const old = statusOf(pdb);
    const cond = { ...disruptionAllowedCondition(old['conditions'], 0, budgetStatus(pdb).observedGeneration, this.api.now()), reason: 'SyncFailed', message };
    await this.writeStatus(pdb, { ...old, disruptionsAllowed: 0, conditions: [cond] });
  }

  private async writeStatus(pdb: KubeObject, status: Record<string, unknown>): Promise<void> {
    const old = statusOf(pdb);
    if (jsonEqual(withoutTimes(status), withoutTimes(old))) return;
    await this.api.update(R.podDisruptionBudgets, pdb.metadata.namespace ?? '', pdb.metadata.name ?? '', { ...pdb, status }, { subresource: 'status', owned: true });
  }
}

/** A status as compared for "changed?": a condition's transition time alone is not a change. */
function withoutTimes(status: Record<string, unknown>): unknown {
  const conds = status['conditions'];
  if (!Array.isArray(conds)) return status;
  return { ...status, conditions: conds.map((c) => (isJsonObject(c) ? { ...c, lastTransitionTime: undefined } : c)) };
}
