import type { Affinity, Pod } from 'kubernetes-types/core/v1.js';
import type { Labels } from '../api/index.js';
import type { Decision } from './decide.js';
import { nodeAffinity } from './filters.js';
import { NodeIndex } from './node-index.js';
import { type PodInfo, type PodResources, podInfoFromPod, podResources } from './node-info.js';
import { type AffinityPod, type NamespaceLabels, type PlacedAffinityPod, affinityPod, hasRequiredTerms, interPodAffinityCheck } from './pod-affinity.js';
import { type PlacedSpreadPod, spreadConstraints, topologySpreadCheck } from './topology-spread.js';

export interface PlacementOptions {
  /** Score every node every cycle (the reference algorithm) instead of the class/bucket index. */
  readonly naive?: boolean;
  /** A namespace's labels, for affinity terms with a namespaceSelector; absent: such a selector matches no namespace. */
  readonly namespaceLabels?: NamespaceLabels;
}

/** A pod placed on a node: what it accounted to the node, and what InterPodAffinity and PodTopologySpread read of it. */
interface Assigned {
  readonly node: string;
  readonly res: PodResources;
  readonly labels: Labels | undefined;
  readonly affinity: Affinity | undefined;
  /** Its terms as the filter reads them, made the first time an affinity cycle reads this pod. */
  view: AffinityPod | undefined;
  /**
   * Being deleted (deletionTimestamp set) but still on its node: it keeps its requests, host ports and affinity terms
   * until it is gone, but PodTopologySpread no longer counts it (countPodsMatchSelector skips terminating pods, so a
   * rolling update's replacement may take the domain its predecessor is leaving).
   */
  terminating: boolean;
}

/**
 * kube-scheduler's decision over the nodes and the pods placed on them: filter, score (least allocated), ties
 * round-robin after the node chosen last. The live Scheduler drives it from the API's watch events; the topology
 * build drives it over the manifests' pods in file order. One implementation, so both put a pod on the same node.
 */
export class Placement {
  readonly index = new NodeIndex();
  private readonly naive: boolean;
  private readonly namespaceLabels: NamespaceLabels;
  /** Pods placed on nodes, with their requests (shared by pods of one template) to take off again when they go. */
  private readonly assigned = new Map<string, Assigned>();
  /** The placed pods with required anti-affinity terms: every incoming pod must keep out of their domains. */
  private readonly antiAffinityPods = new Set<string>();
  private lastOrd = -1;

  constructor(opts: PlacementOptions = {}) {
    this.naive = opts.naive ?? false;
    this.namespaceLabels = opts.namespaceLabels ?? (() => undefined);
  }

  /** One scheduling cycle's decision for a pod, without placing it. */
  decide(pod: Pod, key?: string): Decision {
    const info = this.withTopologySpread(this.withInterPodAffinity(podInfoFromPod(pod, key), pod), pod);
    return this.naive ? this.index.decideNaive(info, this.lastOrd) : this.index.decide(info, this.lastOrd);
  }

  /** The decision was acted on: the next tie goes to the node after this one. */
  chose(d: Extract<Decision, { kind: 'bind' }>): void {
    this.lastOrd = d.ord;
  }

  nodeOf(key: string): string | undefined {
    return this.assigned.get(key)?.node;
  }

  /** Accounts a pod to its node (chosen here, or named by its spec.nodeName). */
  assign(key: string, node: string, pod: Pod): void {
    const res = podResources(pod, key);
    // The labels and affinity objects are shared by every stored version of the pod: keeping them keeps no old version.
    this.assigned.set(key, { node, res, labels: pod.metadata?.labels, affinity: pod.spec?.affinity, view: undefined, terminating: pod.metadata?.deletionTimestamp !== undefined });
    this.index.account(node, res, 1);
    if ((pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0) this.antiAffinityPods.add(key);
  }

  /** A placed pod's deletion has begun (it stays on its node until its grace period ends). */
  terminating(key: string): void {
    const a = this.assigned.get(key);
    if (a !== undefined) a.terminating = true;
  }

  /** Takes a pod off its node; false when it was on none. */
  unassign(key: string): boolean {
    const a = this.assigned.get(key);
    if (a === undefined) return false;
    this.assigned.delete(key);
    this.antiAffinityPods.delete(key);
    this.index.account(a.node, a.res, -1);
    return true;
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

  /** The pod's info with this cycle's PodTopologySpread check when it has DoNotSchedule constraints. */
  private withTopologySpread(info: PodInfo, pod: Pod): PodInfo {
    const spread = pod.spec?.topologySpreadConstraints;
    if (spread === undefined || spread.length === 0) return info;
    const constraints = spreadConstraints(pod.metadata?.labels, spread);
    const nodes = this.index.nodes().map((n) => ({ name: n.name, labels: n.labels, fits: nodeAffinity(info, n).length === 0 }));
    const check = topologySpreadCheck(pod.metadata?.namespace ?? '', pod.metadata?.labels, constraints, nodes, this.placedForSpread());
    return check === undefined ? info : { ...info, topologySpread: check };
  }

  private *placedForSpread(): Iterable<PlacedSpreadPod> {
    for (const [k, a] of this.assigned) if (!a.terminating) yield { namespace: namespaceOf(k), labels: a.labels, node: a.node };
  }

  private *placed(keys: Iterable<string>): Iterable<PlacedAffinityPod> {
    for (const k of keys) {
      const a = this.assigned.get(k);
      const node = a === undefined ? undefined : this.index.get(a.node);
      if (a === undefined || node === undefined) continue;
      a.view ??= affinityPod(namespaceOf(k), a.labels, a.affinity);
      yield { pod: a.view, nodeLabels: node.labels };
    }
  }
}

/** The namespace of a "namespace/name" key. */
function namespaceOf(key: string): string {
  return key.slice(0, key.indexOf('/'));
}
