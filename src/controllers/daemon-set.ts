import type { NodeSelectorTerm, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { deepFreeze, isJsonObject, jsonEqual, requiredNodeAffinityMatches, tolerates, type JsonObject, type KubeObject } from '../api/index.js';
import { DAEMON_SET_TEMPLATE_GENERATION, isApiError, type ApiServer } from '../apiserver/index.js';
import { podTemplateHash, scaled, templateOf } from './deployment-util.js';
import type { Informers } from './runtime/informers.js';
import { availableFrom, CONTROLLER_REVISION_HASH, controllerKey, controllerRef, intField, isPodReady, isTerminating, nsName, podPhase, R, specOf, splitKey, statusOf } from './runtime/objects.js';
import type { TimerQueue } from './runtime/timers.js';
import { BY_CONTROLLER_UID } from './replica-set.js';
import { QueueController } from './runtime/work-queue.js';

/** The label the DaemonSet controller stamps on its pods besides the revision hash (DaemonSetTemplateGenerationKey). */
export const POD_TEMPLATE_GENERATION = 'pod-template-generation';

/**
 * util.AddOrUpdateDaemonPodTolerations: a daemon pod stays through node trouble (no tolerationSeconds: never
 * evicted for NotReady or Unreachable), runs on cordoned nodes and under resource pressure; a host-network
 * pod also before the node's network is up.
 */
function daemonTolerations(hostNetwork: boolean): readonly Toleration[] {
  const t = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', effect });
  return [
    t('node.kubernetes.io/not-ready', 'NoExecute'),
    t('node.kubernetes.io/unreachable', 'NoExecute'),
    t('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    t('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    t('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    t('node.kubernetes.io/unschedulable', 'NoSchedule'),
    ...(hostNetwork ? [t('node.kubernetes.io/network-unavailable', 'NoSchedule')] : []),
  ];
}

/** The template's tolerations plus the daemon ones it lacks (same key and effect counts as present). */
function withDaemonTolerations(own: readonly Toleration[], hostNetwork: boolean): Toleration[] {
  const out = [...own];
  for (const d of daemonTolerations(hostNetwork)) {
    if (!out.some((t) => t.key === d.key && t.effect === d.effect)) out.push(d);
  }
  return out;
}

interface NodeView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
}

function nodeView(node: KubeObject): NodeView {
  const taints = specOf(node)['taints'];
  return { name: node.metadata.name ?? '', labels: node.metadata.labels ?? {}, taints: Array.isArray(taints) ? (taints as Taint[]) : [] };
}

/**
 * NodeShouldRunDaemonPod's predicates: the template's nodeSelector and required node affinity match the
 * node, and every NoSchedule/NoExecute taint is tolerated (the daemon tolerations included). Readiness,
 * cordoning and resources are not asked: a daemon pod goes to every matching node, and the scheduler
 * reports it Pending where it does not fit.
 */
function shouldRun(podSpec: JsonObject, tolerations: readonly Toleration[], node: NodeView): boolean {
  const sel = podSpec['nodeSelector'];
  if (!requiredNodeAffinityMatches(isJsonObject(sel) ? sel : undefined, requiredTerms(podSpec), node)) return false;
  return node.taints.every((taint) => (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') || tolerations.some((t) => tolerates(t, taint)));
}

function requiredTerms(podSpec: JsonObject): readonly NodeSelectorTerm[] | undefined {
  const aff = podSpec['affinity'];
  const na = isJsonObject(aff) ? aff['nodeAffinity'] : undefined;
  const req = isJsonObject(na) ? na['requiredDuringSchedulingIgnoredDuringExecution'] : undefined;
  const terms = isJsonObject(req) ? req['nodeSelectorTerms'] : undefined;
  return Array.isArray(terms) ? (terms as NodeSelectorTerm[]) : undefined;
}

/** The node a daemon pod is for: where it is bound, or the one its node affinity names (not yet scheduled). */
function targetNode(pod: KubeObject): string {
  const bound = specOf(pod)['nodeName'];
  if (typeof bound === 'string' && bound !== '') return bound;
  const field = requiredTerms(specOf(pod))?.[0]?.matchFields?.[0];
  return field?.key === 'metadata.name' ? (field.values?.[0] ?? '') : '';
}

/**
 * The DaemonSet controller (pkg/controller/daemon): one pod on every node the template may run on, created
 * with a required node affinity naming that node (ReplaceDaemonSetPodNodeNameNodeAffinity) so that the default
 * scheduler binds it there; a pod on a node that no longer qualifies, a second pod on a node, and a failed pod
 * are deleted. A template change rolls out node by node: with RollingUpdate, old pods are deleted while at most
 * maxUnavailable nodes lack an available pod (maxSurge is not emulated: it is refused as 0 is the default);
 * with OnDelete, only pods the user deletes are replaced. The status counts what `kubectl get ds` and
 * `kubectl rollout status` read. ControllerRevisions are not written (no `kubectl rollout undo ds`).
 */
export class DaemonSetController extends QueueController {
  readonly name = 'daemonset-controller';

  constructor(
    private readonly api: ApiServer,
    private readonly informers: Informers,
    private readonly timers: TimerQueue,
  ) {
    super();
    informers.on(R.daemonSets, (_t, ds) => this.enqueue(nsName(ds)));
    informers.on(R.nodes, (t, node, old) => {
      // Only what decides placement: a node's arrival or departure, its labels or taints.
      if (t === 'MODIFIED' && old !== undefined && jsonEqual(node.metadata.labels, old.metadata.labels) && jsonEqual(specOf(node)['taints'], specOf(old)['taints'])) return;
      for (const ds of informers.list(R.daemonSets)) this.enqueue(nsName(ds));
    });
    informers.on(R.pods, (_t, pod) => {
      const key = controllerKey(pod, 'DaemonSet');
      if (key !== undefined) this.enqueue(key);
    });
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const ds = this.informers.get(R.daemonSets, ns, name);
    if (ds === undefined || isTerminating(ds)) return;
    const template = templateOf(ds);
    const podSpec = isJsonObject(template['spec']) ? template['spec'] : {};
    const hostNetwork = podSpec['hostNetwork'] === true;
    const tolerations = withDaemonTolerations(Array.isArray(podSpec['tolerations']) ? (podSpec['tolerations'] as Toleration[]) : [], hostNetwork);
    const hash = podTemplateHash(template, intField(statusOf(ds), 'collisionCount'));
    const byNode = new Map<string, KubeObject[]>();
    for (const pod of this.informers.byIndex(R.pods, BY_CONTROLLER_UID, ds.metadata.uid ?? '')) {
      const n = targetNode(pod);
      byNode.set(n, [...(byNode.get(n) ?? []), pod]);
    }
    const nodes = [...this.informers.list(R.nodes)].map(nodeView).sort((a, b) => (a.name < b.name ? -1 : 1));
    const eligible = new Set(nodes.filter((n) => shouldRun(podSpec, tolerations, n)).map((n) => n.name));
    const toCreate: string[] = [];
    const toDelete: KubeObject[] = [];
    for (const [node, pods] of byNode) if (!eligible.has(node)) toDelete.push(...pods.filter((p) => !isTerminating(p)));
    for (const node of eligible) {
      const pods = byNode.get(node) ?? [];
      if (pods.length === 0) {
        toCreate.push(node);
        continue;
      }
      // podsShouldBeOnNode: failed pods go (and are replaced next time); of several running ones the oldest stays.
      const live = pods.filter((p) => !isTerminating(p));
      const failed = live.filter((p) => podPhase(p) === 'Failed');
      toDelete.push(...failed);
      const running = live.filter((p) => podPhase(p) !== 'Failed').sort((a, b) => ((a.metadata.creationTimestamp ?? '') < (b.metadata.creationTimestamp ?? '') ? -1 : 1));
      toDelete.push(...running.slice(1));
    }
    if (strategyOf(ds) === 'RollingUpdate') toDelete.push(...this.rollingUpdateVictims(ds, hash, eligible, byNode));
    for (const pod of toDelete) {
      try {
        await this.api.delete(R.pods, ns, pod.metadata.name ?? '');
      } catch (e) {
        if (!(isApiError(e) && e.status.code === 404)) throw e;
      }
    }
    for (const node of toCreate) await this.createPod(ds, node, hash, tolerations);
    await this.updateStatus(ds, hash, eligible);
  }

  /**
   * rollingUpdate with maxSurge 0: an old pod that is not available goes at once; available old pods go while
   * fewer than maxUnavailable (of the nodes that should run one, rounded up) lack an available pod.
   */
  private rollingUpdateVictims(ds: KubeObject, hash: string, eligible: ReadonlySet<string>, byNode: ReadonlyMap<string, KubeObject[]>): KubeObject[] {
    const strategy = specOf(ds)['updateStrategy'];
    const ru = isJsonObject(strategy) && isJsonObject(strategy['rollingUpdate']) ? strategy['rollingUpdate'] : {};
    const maxUnavailable = scaled(ru['maxUnavailable'] ?? 1, eligible.size, true);
    let unavailable = 0;
    const oldAvailable: KubeObject[] = [];
    const victims: KubeObject[] = [];
    for (const node of eligible) {
      const pods = (byNode.get(node) ?? []).filter((p) => podPhase(p) !== 'Failed');
      const current = pods.find((p) => !isTerminating(p));
      const available = current !== undefined && this.available(ds, current);
      if (!available) unavailable++;
      if (current === undefined || current.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash) continue;
      if (available) oldAvailable.push(current);
      else victims.push(current);
    }
    for (const pod of oldAvailable) {
      if (unavailable >= maxUnavailable) break;
      victims.push(pod);
      unavailable++;
    }
    return victims;
  }

  /** Ready for minReadySeconds (podutil.IsPodAvailable); a pod not yet there is looked at again when it will be. */
  private available(ds: KubeObject, pod: KubeObject): boolean {
    if (!isPodReady(pod)) return false;
    const at = availableFrom(pod, intField(specOf(ds), 'minReadySeconds') * 1000);
    if (at === undefined) return false;
    if (at <= this.timers.clock.now()) return true;
    this.timers.at(at, () => this.enqueue(nsName(ds)));
    return false;
  }

  private async createPod(ds: KubeObject, node: string, hash: string, tolerations: readonly Toleration[]): Promise<void> {
    const template = templateOf(ds);
    const tmeta = isJsonObject(template['metadata']) ? template['metadata'] : {};
    const spec = isJsonObject(template['spec']) ? template['spec'] : {};
    const labels = { ...(isJsonObject(tmeta['labels']) ? (tmeta['labels'] as Record<string, string>) : {}), [CONTROLLER_REVISION_HASH]: hash, [POD_TEMPLATE_GENERATION]: ds.metadata.annotations?.[DAEMON_SET_TEMPLATE_GENERATION] ?? '1' };
    const affinity = isJsonObject(spec['affinity']) ? spec['affinity'] : {};
    const nodeAffinity = isJsonObject(affinity['nodeAffinity']) ? affinity['nodeAffinity'] : {};
    const podSpec = {
      ...spec,
      tolerations: [...tolerations],
      affinity: {
        ...affinity,
        nodeAffinity: {
          ...nodeAffinity,
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] },
        },
      },
    };
    const metadata: Record<string, unknown> = { generateName: `${ds.metadata.name ?? ''}-`, labels, ownerReferences: deepFreeze([controllerRef(ds)]) };
    if (isJsonObject(tmeta['annotations'])) metadata['annotations'] = tmeta['annotations'];
    await this.api.create(R.pods, ds.metadata.namespace ?? '', { apiVersion: 'v1', kind: 'Pod', metadata, spec: podSpec });
  }

  private async updateStatus(ds: KubeObject, hash: string, eligible: ReadonlySet<string>): Promise<void> {
    const cur = this.informers.get(R.daemonSets, ds.metadata.namespace ?? '', ds.metadata.name ?? '') ?? ds;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    const seen = new Set<string>();
    for (const pod of this.informers.byIndex(R.pods, BY_CONTROLLER_UID, cur.metadata.uid ?? '')) {
      if (isTerminating(pod) || podPhase(pod) === 'Failed') continue;
      const node = targetNode(pod);
      // Counted per node, as the real controller counts: a node with a pod (bound yet or not), once.
      if (seen.has(node)) continue;
      seen.add(node);
      if (!eligible.has(node)) {
        misscheduled++;
        continue;
      }
      current++;
      if (isPodReady(pod)) ready++;
      if (this.available(cur, pod)) available++;
      if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash) updated++;
    }
    const old = statusOf(cur);
    const status: Record<string, unknown> = {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: eligible.size,
      numberReady: ready,
      observedGeneration: cur.metadata.generation ?? 0,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: eligible.size - available,
    };
    // Zero counts are omitted (omitempty), as the real status shows them.
    for (const k of ['updatedNumberScheduled', 'numberAvailable', 'numberUnavailable']) if (status[k] === 0) delete status[k];
    if (jsonEqual(status, old)) return;
    await this.api.update(R.daemonSets, cur.metadata.namespace ?? '', cur.metadata.name ?? '', { ...cur, status }, { subresource: 'status', owned: true });
  }
}

function strategyOf(ds: KubeObject): string {
  const s = specOf(ds)['updateStrategy'];
  return isJsonObject(s) && typeof s['type'] === 'string' ? s['type'] : 'RollingUpdate';
}
