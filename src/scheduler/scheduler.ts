import type { Affinity, Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { isJsonObject, registeredResource, type ReadonlyKubeObject, type ResourceType } from '../api/index.js';
import { bindPod, EventRecorder, isApiError, type ApiServer } from '../apiserver/index.js';
import type { Decision } from './decide.js';
import { NodeIndex } from './node-index.js';
import { podInfoFromPod, podResources, type PodInfo, type PodResources } from './node-info.js';
import { type AffinityPod, type NamespaceLabels, type PlacedAffinityPod, affinityPod, hasRequiredTerms, interPodAffinityCheck } from './pod-affinity.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface SchedulerOptions {
  readonly api: ApiServer;
  /** Pods naming another scheduler are left alone (spec.schedulerName). */
  readonly schedulerName?: string;
  /** Score every node every cycle (the reference algorithm) instead of the class/bucket index. */
  readonly naive?: boolean;
  /** Called with every decision, for traces and tests. */
  readonly onDecision?: (pod: string, d: Decision) => void;
  /** A namespace's labels, for affinity terms with a namespaceSelector; absent: such a selector matches no namespace. */
  readonly namespaceLabels?: NamespaceLabels;
}

const podsType = (): ResourceType => registeredResource('', 'pods');

function podKey(p: Pod): string {
  return `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
}

function finished(p: Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

/**
 * kube-scheduler's loop over the API: unbound pods queue in arrival order; each cycle filters and
 * scores the nodes (see NodeIndex) and posts a Binding, or marks the pod PodScheduled=False with
 * the reasons. The pod is assumed on its node at once, so the next cycle sees the node's new
 * requests before the watch event comes back. Unschedulable pods wait until a node changes or a
 * pod leaves a node (the queue's "move on cluster event"). Fed by watch events; deterministic.
 */
export class Scheduler {
  readonly name = 'scheduler';
  readonly index = new NodeIndex();
  private readonly api: ApiServer;
  private readonly schedulerName: string;
  private readonly naive: boolean;
  private readonly onDecision: ((pod: string, d: Decision) => void) | undefined;
  private readonly pods = podsType();
  /** The scheduler reports through the events.k8s.io broadcaster (FailedScheduling, action Scheduling). */
  private readonly events: EventRecorder;
  /** Pods waiting for a cycle, in arrival order, with their latest state. */
  private readonly queue = new Map<string, Pod>();
  private readonly unschedulable = new Map<string, Pod>();
  /** Pods placed on nodes, with their requests (shared by pods of one template) to take off again when they go. */
  private readonly assigned = new Map<string, Assigned>();
  /** The placed pods with required anti-affinity terms: every incoming pod must keep out of their domains. */
  private readonly antiAffinityPods = new Set<string>();
  private readonly namespaceLabels: NamespaceLabels;
  private lastOrd = -1;

  constructor(opts: SchedulerOptions) {
    this.api = opts.api;
    this.events = new EventRecorder(opts.api, { component: 'default-scheduler', style: 'events.k8s.io', reportingInstance: 'default-scheduler-kubewire' });
    this.schedulerName = opts.schedulerName ?? 'default-scheduler';
    this.naive = opts.naive ?? false;
    this.onDecision = opts.onDecision;
    this.namespaceLabels = opts.namespaceLabels ?? (() => undefined);
  }

  onNode(type: EventType, node: Node): void {
    if (type === 'DELETED') this.index.remove(node.metadata?.name ?? '');
    else this.index.upsert(node);
    this.retryUnschedulable();
  }

  /**
   * A pod event; `key` is its "namespace/name" when the caller has it (an informer's cache key), else it is made;
   * `old`, the pod before a MODIFIED event, when the caller has it.
   */
  onPod(type: EventType, pod: Pod, key: string = podKey(pod), old?: Pod): void {
    const nodeName = pod.spec?.nodeName ?? '';
    // A bound pod's later updates (its status) change nothing here: it was accounted to this node when the update
    // that bound it (or an earlier one) came, and it is queued nowhere.
    if (type === 'MODIFIED' && nodeName !== '' && old?.spec?.nodeName === nodeName && !finished(pod) && !finished(old)) return;
    if (type === 'DELETED' || finished(pod)) {
      this.queue.delete(key);
      this.unschedulable.delete(key);
      if (this.unassign(key)) this.retryUnschedulable();
      return;
    }
    if (nodeName !== '') {
      this.queue.delete(key);
      this.unschedulable.delete(key);
      const a = this.assigned.get(key);
      if (a?.node === nodeName) return;
      if (a !== undefined) this.unassign(key);
      this.assign(key, nodeName, podResources(pod, key), pod);
      return;
    }
    if ((pod.spec?.schedulerName ?? 'default-scheduler') !== this.schedulerName || pod.metadata?.deletionTimestamp !== undefined) return;
    if (this.unschedulable.has(key)) {
      this.unschedulable.set(key, pod);
      return;
    }
    this.queue.set(key, pod);
  }

  pending(): boolean {
    return this.queue.size > 0;
  }

  /** How many pods wait for a node that does not fit them yet. */
  get unschedulableCount(): number {
    return this.unschedulable.size;
  }

  /** One scheduling cycle's decision for a pod, without binding it. */
  decide(pod: Pod, key?: string): Decision {
    const info = this.withInterPodAffinity(podInfoFromPod(pod, key), pod);
    return this.naive ? this.index.decideNaive(info, this.lastOrd) : this.index.decide(info, this.lastOrd);
  }

  /**
   * The pod's info with this cycle's InterPodAffinity check when it can refuse a node: the pod has required terms
   * (then every placed pod is read) or a placed pod has anti-affinity terms (then only those are). Most pods have
   * neither, and cost one Set size check.
   */
  private withInterPodAffinity(info: PodInfo, pod: Pod): PodInfo {
    const hasTerms = pod.spec?.affinity?.podAffinity !== undefined || pod.spec?.affinity?.podAntiAffinity !== undefined;
    if (!hasTerms && this.antiAffinityPods.size === 0) return info;
    const incoming = affinityPod(pod.metadata?.namespace ?? '', pod.metadata?.labels, pod.spec?.affinity);
    const keys = hasRequiredTerms(incoming) ? this.assigned.keys() : this.antiAffinityPods.values();
    const check = interPodAffinityCheck(incoming, this.placed(keys), this.namespaceLabels);
    return check === undefined ? info : { ...info, interPodAffinity: check };
  }

  private *placed(keys: Iterable<string>): Iterable<PlacedAffinityPod> {
    for (const k of keys) {
      const a = this.assigned.get(k);
      const node = a === undefined ? undefined : this.index.get(a.node);
      if (a === undefined || node === undefined) continue;
      a.view ??= affinityPod(k.slice(0, k.indexOf('/')), a.labels, a.affinity);
      yield { pod: a.view, nodeLabels: node.labels };
    }
  }

  /** Runs a cycle for every queued pod. Returns whether anything was done. */
  async step(): Promise<boolean> {
    if (this.queue.size === 0) return false;
    const batch = [...this.queue];
    this.queue.clear();
    for (const [key, pod] of batch) await this.scheduleOne(key, pod);
    return true;
  }

  private async scheduleOne(key: string, pod: Pod): Promise<void> {
    const d = this.decide(pod, key);
    this.onDecision?.(key, d);
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    if (d.kind === 'bind') {
      this.lastOrd = d.ord;
      this.assign(key, d.node, podResources(pod, key), pod);
      try {
        await bindPod(this.api, ns, name, { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns }, target: { apiVersion: 'v1', kind: 'Node', name: d.node } });
      } catch (e) {
        // Gone or already bound elsewhere: forget the assumption; the watch event tells the truth.
        if (!isApiError(e)) throw e;
        if (this.assigned.get(key)?.node === d.node) this.unassign(key);
      }
      return;
    }
    this.unschedulable.set(key, pod);
    await this.markUnschedulable(ns, name, d.message);
  }

  private async markUnschedulable(ns: string, name: string, message: string): Promise<void> {
    let cur: ReadonlyKubeObject;
    try {
      cur = await this.api.get(this.pods, ns, name);
    } catch (e) {
      if (isApiError(e)) return;
      throw e;
    }
    const status = isJsonObject(cur['status']) ? cur['status'] : {};
    const conds = (Array.isArray(status['conditions']) ? status['conditions'] : []) as PodCondition[];
    const old = conds.find((c) => c.type === 'PodScheduled');
    if (old?.status === 'False' && old.reason === 'Unschedulable' && old.message === message) return;
    const cond: PodCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastTransitionTime: this.api.now() };
    const next = { ...cur, status: { ...status, conditions: [...conds.filter((c) => c.type !== 'PodScheduled'), cond] } };
    let stored: ReadonlyKubeObject;
    try {
      stored = await this.api.update(this.pods, ns, name, next, { subresource: 'status' });
    } catch (e) {
      if (!isApiError(e)) throw e;
      return;
    }
    // Recorded when the reason changes, as the condition is; the message is the FitError's ("0/3 nodes are available: ...").
    await this.events.record({ r: this.pods, obj: stored }, 'Warning', 'FailedScheduling', message, 'Scheduling');
  }

  private assign(key: string, node: string, res: PodResources, pod: Pod): void {
    // The labels and affinity objects are shared by every stored version of the pod: keeping them keeps no old version.
    this.assigned.set(key, { node, res, labels: pod.metadata?.labels, affinity: pod.spec?.affinity, view: undefined });
    this.index.account(node, res, 1);
    if ((pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0) this.antiAffinityPods.add(key);
  }

  private unassign(key: string): boolean {
    const a = this.assigned.get(key);
    if (a === undefined) return false;
    this.assigned.delete(key);
    this.antiAffinityPods.delete(key);
    this.index.account(a.node, a.res, -1);
    return true;
  }

  private retryUnschedulable(): void {
    for (const [k, p] of this.unschedulable) this.queue.set(k, p);
    this.unschedulable.clear();
  }
}

/** A pod the scheduler has placed: what it accounted to the node, and what InterPodAffinity reads of it. */
interface Assigned {
  readonly node: string;
  readonly res: PodResources;
  readonly labels: Readonly<Record<string, string>> | undefined;
  readonly affinity: Affinity | undefined;
  /** Its terms as the filter reads them, made the first time an affinity cycle reads this pod. */
  view: AffinityPod | undefined;
}
