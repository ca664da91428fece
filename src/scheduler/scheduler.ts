import type { Node, Pod, PodCondition, PodSpec } from 'kubernetes-types/core/v1.js';
import { isJsonObject, registeredResource, type ReadonlyKubeObject, type ResourceType } from '../api/index.js';
import { bindPod, EventRecorder, isApiError, type ApiServer } from '../apiserver/index.js';
import type { Decision } from './decide.js';
import type { NamespaceLabels } from './pod-affinity.js';
import { Placement } from './placement.js';

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
  /** Which nodes hold what, and the decision itself: shared with the topology build's placement. */
  readonly placement: Placement;
  private readonly api: ApiServer;
  private readonly schedulerName: string;
  private readonly onDecision: ((pod: string, d: Decision) => void) | undefined;
  private readonly pods = podsType();
  /** The scheduler reports through the events.k8s.io broadcaster (FailedScheduling, action Scheduling). */
  private readonly events: EventRecorder;
  /** Pods waiting for a cycle, in arrival order, with their latest state. */
  private readonly queue = new Map<string, Pod>();
  private readonly unschedulable = new Map<string, Pod>();

  constructor(opts: SchedulerOptions) {
    this.api = opts.api;
    this.events = new EventRecorder(opts.api, { component: 'default-scheduler', style: 'events.k8s.io', reportingInstance: 'default-scheduler-kubewire' });
    this.schedulerName = opts.schedulerName ?? 'default-scheduler';
    this.onDecision = opts.onDecision;
    this.placement = new Placement({ naive: opts.naive ?? false, ...(opts.namespaceLabels === undefined ? {} : { namespaceLabels: opts.namespaceLabels }) });
  }

  onNode(type: EventType, node: Node): void {
    if (type === 'DELETED') this.placement.index.remove(node.metadata?.name ?? '');
    else this.placement.index.upsert(node);
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
    // The one such update that matters is the start of its deletion: spreading stops counting it.
    if (type === 'MODIFIED' && nodeName !== '' && old?.spec?.nodeName === nodeName && !finished(pod) && !finished(old)) {
      if (pod.metadata?.deletionTimestamp !== undefined) this.placement.terminating(key);
      return;
    }
    if (type === 'DELETED' || finished(pod)) {
      this.queue.delete(key);
      this.unschedulable.delete(key);
      if (this.placement.unassign(key)) this.retryUnschedulable();
      return;
    }
    if (nodeName !== '') {
      this.queue.delete(key);
      this.unschedulable.delete(key);
      const on = this.placement.nodeOf(key);
      if (on === nodeName) {
        if (pod.metadata?.deletionTimestamp !== undefined) this.placement.terminating(key);
        return;
      }
      if (on !== undefined) this.placement.unassign(key);
      this.placement.assign(key, nodeName, pod);
      this.retryWaitingForPods();
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
    return this.placement.decide(pod, key);
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
      this.placement.chose(d);
      this.placement.assign(key, d.node, pod);
      this.retryWaitingForPods();
      try {
        await bindPod(this.api, ns, name, { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns }, target: { apiVersion: 'v1', kind: 'Node', name: d.node } });
      } catch (e) {
        // Gone or already bound elsewhere: forget the assumption; the watch event tells the truth.
        if (!isApiError(e)) throw e;
        if (this.placement.nodeOf(key) === d.node) this.placement.unassign(key);
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

  /**
   * A pod was placed: the pods that a pod elsewhere could let through (required pod affinity, DoNotSchedule topology
   * spread) go back to the queue, as kube-scheduler's queue moves them on an AssignedPodAdd event. So a cache that
   * must sit with web pods waits for them, in whatever order the two were created.
   */
  private retryWaitingForPods(): void {
    for (const [k, p] of this.unschedulable) {
      if (!waitsForPods(p.spec)) continue;
      this.queue.set(k, p);
      this.unschedulable.delete(k);
    }
  }

  private retryUnschedulable(): void {
    for (const [k, p] of this.unschedulable) this.queue.set(k, p);
    this.unschedulable.clear();
  }
}

/** Whether placing some other pod can make this one schedulable: its required pod affinity or hard spread constraints. */
export function waitsForPods(s: PodSpec | undefined): boolean {
  return (s?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0 || (s?.topologySpreadConstraints ?? []).some((c) => c.whenUnsatisfiable === 'DoNotSchedule');
}
