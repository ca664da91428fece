import type { Taint } from 'kubernetes-types/core/v1.js';
import { requiredNodeAffinityMatches, tolerates } from '../api/index.js';
import { portsConflict } from './host-ports.js';
import type { NodeInfo, PodInfo } from './node-info.js';

/**
 * The filter plugins, each a pure function of (pod, node) returning the reasons a node is refused
 * (the scheduler framework's Status reasons, worded as kube-scheduler words them) or none. They run
 * in the default profile's order and the first refusing plugin decides, as the framework does.
 * The "node" filters read only a node's class (labels, taints, readiness, allocatable), the
 * resource filter also its current requests: the fast index relies on that split.
 */
export type Filter = (pod: PodInfo, node: NodeInfo) => readonly string[];

const NO_SCHEDULE_EFFECTS = new Set(['NoSchedule', 'NoExecute']);

function untolerated(pod: PodInfo, taints: readonly Taint[]): Taint | undefined {
  return taints.find((taint) => NO_SCHEDULE_EFFECTS.has(taint.effect) && !pod.tolerations.some((t) => tolerates(t, taint)));
}

/**
 * A node that is not Ready carries the node lifecycle controller's NoSchedule taint
 * (node.kubernetes.io/not-ready, or unreachable when its status is Unknown); the scheduler sees
 * the taint. Modelled here from the condition itself, so readiness counts even before the
 * controller has written the taint.
 */
export const nodeReady: Filter = (pod, node) => {
  if (node.ready === 'True') return [];
  const taint: Taint = { key: node.ready === 'False' ? 'node.kubernetes.io/not-ready' : 'node.kubernetes.io/unreachable', effect: 'NoSchedule' };
  if (node.taints.some((t) => t.key === taint.key)) return []; // the TaintToleration filter reports it
  return pod.tolerations.some((t) => tolerates(t, taint)) ? [] : [`node(s) had untolerated taint {${taint.key}: }`];
};

/** NodeUnschedulable: spec.unschedulable (kubectl cordon), unless the pod tolerates the unschedulable taint. */
export const nodeUnschedulable: Filter = (pod, node) => {
  if (!node.unschedulable) return [];
  const taint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
  return pod.tolerations.some((t) => tolerates(t, taint)) ? [] : ['node(s) were unschedulable'];
};

/** TaintToleration: every NoSchedule/NoExecute taint must be tolerated (PreferNoSchedule only scores). */
export const taintToleration: Filter = (pod, node) => {
  const t = untolerated(pod, node.taints);
  return t === undefined ? [] : [`node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`];
};

/** NodeAffinity: spec.nodeSelector (every pair) and the required terms (any one). */
export const nodeAffinity: Filter = (pod, node) =>
  requiredNodeAffinityMatches(pod.nodeSelector, pod.requiredTerms, node) ? [] : ["node(s) didn't match Pod's node affinity/selector"];

/** NodePorts: none of the pod's host ports may be held on the node already (see portsConflict). */
export const nodePorts: Filter = (pod, node) =>
  pod.hostPorts.length > 0 && portsConflict(node.usedPorts, pod.hostPorts) ? ["node(s) didn't have free ports for the requested pod ports"] : [];

/** NodeResourcesFit (with the pod count the kubelet's max-pods allows): every insufficient resource is a reason. */
export const nodeResourcesFit: Filter = (pod, node) => {
  const out: string[] = [];
  if (node.podCount + 1 > node.allocatable.pods) out.push('Too many pods');
  if (pod.requests.milliCpu > 0 && node.requested.milliCpu + pod.requests.milliCpu > node.allocatable.milliCpu) out.push('Insufficient cpu');
  if (pod.requests.memory > 0 && node.requested.memory + pod.requests.memory > node.allocatable.memory) out.push('Insufficient memory');
  return out;
};

/** InterPodAffinity: the pods already placed in the node's topology domains, by the cycle's check (pod-affinity.ts). */
export const interPodAffinity: Filter = (pod, node) => {
  const r = pod.interPodAffinity?.(node.labels);
  return r === undefined ? [] : [r];
};

/** PodTopologySpread: how many of the pods the constraints select each domain holds, by the cycle's check. */
export const podTopologySpread: Filter = (pod, node) => {
  const r = pod.topologySpread?.(node.labels);
  return r === undefined ? [] : [r];
};

/** The class filters: they read no per-node requests, so nodes of one class pass or fail together. */
export const CLASS_FILTERS: readonly Filter[] = [nodeReady, nodeUnschedulable, taintToleration, nodeAffinity];
/** In the default profile's order: NodePorts after NodeAffinity, before NodeResourcesFit; PodTopologySpread, then InterPodAffinity last. */
export const FILTERS: readonly Filter[] = [...CLASS_FILTERS, nodePorts, nodeResourcesFit, podTopologySpread, interPodAffinity];

/** The reasons the first refusing filter gives, or [] when the node fits. */
export function runFilters(pod: PodInfo, node: NodeInfo, filters: readonly Filter[] = FILTERS): readonly string[] {
  for (const f of filters) {
    const r = f(pod, node);
    if (r.length > 0) return r;
  }
  return [];
}

/** "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were unschedulable." (sorted, as FitError.Error). */
export function unschedulableMessage(total: number, counts: ReadonlyMap<string, number>): string {
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${total} nodes are available: ${parts.join(', ')}.`;
}
