import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { isJsonObject, tolerates, type KubeObject } from '../api/index.js';
import { EventRecorder, type ApiServer } from '../apiserver/index.js';
import type { Informers } from './runtime/informers.js';
import { condition, podNodeName, R, specOf, statusOf } from './runtime/objects.js';
import type { TimerQueue } from './runtime/timers.js';
import { QueueController } from './runtime/work-queue.js';

export const POD_NODE_INDEX = 'node';
export const UNREACHABLE = 'node.kubernetes.io/unreachable';
export const NOT_READY = 'node.kubernetes.io/not-ready';

export interface NodeLifecycleOptions {
  /** When the node's kubelet last renewed its lease (ms); undefined for a node without a kubelet, which is left alone. */
  readonly heartbeat: (node: string) => number | undefined;
  /** --node-monitor-grace-period: 50 s since Kubernetes 1.29 (40 s before). */
  readonly gracePeriodMs?: number;
  /** --node-monitor-period: 5 s. */
  readonly monitorPeriodMs?: number;
}

export function addPodNodeIndex(informers: Informers): void {
  informers.addIndex(
    R.pods,
    POD_NODE_INDEX,
    (p) => {
      const n = podNodeName(p);
      return n === '' ? [] : [n];
    },
    podNodeName,
  );
}

function taintsOf(node: KubeObject): Taint[] {
  const t = specOf(node)['taints'];
  return Array.isArray(t) ? (t as Taint[]) : [];
}

/**
 * When a pod on a NoExecute-tainted node must go (the taint eviction controller's rule): at once
 * for an untolerated taint, after the shortest tolerationSeconds otherwise (counted from the
 * taint's timeAdded), never when every taint is tolerated forever. Returns ms, Infinity for never.
 */
export function evictionTime(pod: KubeObject, taints: readonly Taint[]): number {
  const tolerations = (specOf(pod)['tolerations'] ?? []) as Toleration[];
  let at = Infinity;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const added = taint.timeAdded === undefined ? 0 : Date.parse(taint.timeAdded);
    const matching = tolerations.filter((t) => tolerates(t, taint));
    if (matching.length === 0) return added;
    const secs = matching.map((t) => (t.tolerationSeconds === undefined ? Infinity : Math.max(0, t.tolerationSeconds)));
    at = Math.min(at, added + Math.min(...secs) * 1000);
  }
  return at;
}

/**
 * The node lifecycle controller with taint-based eviction (pkg/controller/nodelifecycle, tainteviction):
 * every monitor period it checks each node's heartbeat; past the grace period the node's
 * conditions turn Unknown ("Kubelet stopped posting node status."), it gets the unreachable
 * NoSchedule and NoExecute taints, and its pods are marked not Ready (so endpoints drop them at
 * once). Pods are then deleted when their toleration of the taint runs out (300 s by the
 * DefaultTolerationSeconds admission): they stay Terminating, as no kubelet is left to finish
 * them, and their ReplicaSets replace them elsewhere. A node whose kubelet is back loses the taints.
 */
export class NodeLifecycleController extends QueueController {
  readonly name = 'node-lifecycle-controller';
  private readonly grace: number;
  private readonly period: number;
  private readonly scheduled = new Set<string>();
  private readonly events: EventRecorder;
  /** Since 1.29 taint-based eviction is its own controller, which records the evictions. */
  private readonly evictionEvents: EventRecorder;

  constructor(
    private readonly api: ApiServer,
    private readonly informers: Informers,
    private readonly timers: TimerQueue,
    private readonly opts: NodeLifecycleOptions,
  ) {
    super();
    this.events = new EventRecorder(api, { component: 'node-controller' });
    this.evictionEvents = new EventRecorder(api, { component: 'taint-eviction-controller' });
    this.grace = opts.gracePeriodMs ?? 50_000;
    this.period = opts.monitorPeriodMs ?? 5_000;
    informers.on(R.nodes, (type, node) => {
      if (type !== 'DELETED' && taintsOf(node).some((t) => t.effect === 'NoExecute')) {
        for (const p of informers.byIndex(R.pods, POD_NODE_INDEX, node.metadata.name ?? '')) this.planEviction(p, node);
      }
    });
    informers.on(R.pods, (type, pod) => {
      if (type === 'DELETED') return;
      const node = informers.get(R.nodes, '', podNodeName(pod));
      if (node !== undefined) this.planEviction(pod, node);
    });
    timers.after(this.period, () => this.monitor());
  }

  /** monitorNodeHealth: one pass over all nodes, then again one period later. */
  private monitor(): void {
    const now = this.timers.clock.now();
    for (const node of this.informers.list(R.nodes)) {
      const name = node.metadata.name ?? '';
      const hb = this.opts.heartbeat(name);
      if (hb === undefined) continue;
      const stale = now - hb > this.grace;
      const ready = condition(node, 'Ready')?.status;
      const tainted = taintsOf(node).some((t) => t.key === UNREACHABLE);
      if ((stale && ready !== 'Unknown') || (!stale && tainted && ready === 'True')) this.enqueue(`node:${name}`);
    }
    this.timers.after(this.period, () => this.monitor());
  }

  private planEviction(pod: KubeObject, node: KubeObject): void {
    if (pod.metadata.deletionTimestamp !== undefined) return;
    const at = evictionTime(pod, taintsOf(node));
    if (at === Infinity) return;
    const key = `evict:${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
    if (at <= this.timers.clock.now()) {
      this.enqueue(key);
      return;
    }
    const mark = `${key}@${at}`;
    if (this.scheduled.has(mark)) return;
    this.scheduled.add(mark);
    this.timers.at(at, () => {
      this.scheduled.delete(mark);
      this.enqueue(key);
    });
  }

  protected async sync(key: string): Promise<void> {
    if (key.startsWith('evict:')) {
      await this.evict(key.slice('evict:'.length));
      return;
    }
    const name = key.slice('node:'.length);
    const node = this.informers.get(R.nodes, '', name);
    const hb = this.opts.heartbeat(name);
    if (node === undefined || hb === undefined) return;
    const now = this.timers.clock.now();
    if (now - hb > this.grace) await this.markUnknown(node);
    else if (condition(node, 'Ready')?.status === 'True') await this.setTaints(node, taintsOf(node).filter((t) => t.key !== UNREACHABLE && t.key !== NOT_READY));
  }

  private async markUnknown(node: KubeObject): Promise<void> {
    const name = node.metadata.name ?? '';
    const now = this.api.now();
    const status = structuredClone(statusOf(node));
    const conds = Array.isArray(status['conditions']) ? status['conditions'] : [];
    status['conditions'] = conds.map((c) =>
      isJsonObject(c) && c['status'] !== 'Unknown'
        ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now }
        : c,
    );
    const updated = await this.api.update(R.nodes, '', name, { ...node, status }, { subresource: 'status' });
    // RecordNodeStatusChange, once when Ready leaves True.
    if (condition(node, 'Ready')?.status === 'True') await this.events.record({ r: R.nodes, obj: updated }, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    const keep = taintsOf(updated).filter((t) => t.key !== UNREACHABLE && t.key !== NOT_READY);
    await this.setTaints(updated, [...keep, { key: UNREACHABLE, effect: 'NoSchedule' }, { key: UNREACHABLE, effect: 'NoExecute', timeAdded: now }]);
    // MarkPodsNotReady: endpoints stop sending traffic to the node's pods right away.
    for (const pod of [...this.informers.byIndex(R.pods, POD_NODE_INDEX, name)]) {
      const ps = structuredClone(statusOf(pod));
      const pc = Array.isArray(ps['conditions']) ? ps['conditions'] : [];
      if (!pc.some((c) => isJsonObject(c) && c['type'] === 'Ready' && c['status'] === 'True')) continue;
      ps['conditions'] = pc.map((c) => (isJsonObject(c) && c['type'] === 'Ready' ? { ...c, status: 'False', lastTransitionTime: now } : c));
      const marked = await this.api.update(R.pods, pod.metadata.namespace ?? '', pod.metadata.name ?? '', { ...pod, status: ps }, { subresource: 'status' });
      await this.events.record({ r: R.pods, obj: marked }, 'Warning', 'NodeNotReady', 'Node is not ready');
    }
  }

  private async setTaints(node: KubeObject, taints: Taint[]): Promise<void> {
    const cur = taintsOf(node);
    if (JSON.stringify(cur) === JSON.stringify(taints)) return;
    const next = structuredClone(node);
    const spec = specOf(next);
    if (taints.length === 0) delete spec['taints'];
    else spec['taints'] = taints;
    next['spec'] = spec;
    await this.api.update(R.nodes, '', node.metadata.name ?? '', next);
  }

  private async evict(podKey: string): Promise<void> {
    const i = podKey.indexOf('/');
    const pod = this.informers.get(R.pods, podKey.slice(0, i), podKey.slice(i + 1));
    if (pod === undefined || pod.metadata.deletionTimestamp !== undefined) return;
    const node = this.informers.get(R.nodes, '', podNodeName(pod));
    if (node === undefined || evictionTime(pod, taintsOf(node)) > this.timers.clock.now()) return;
    await this.evictionEvents.record({ r: R.pods, obj: pod }, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${podKey}`);
    await this.api.delete(R.pods, pod.metadata.namespace ?? '', pod.metadata.name ?? '');
  }
}
