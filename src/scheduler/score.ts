import type { NodeInfo, PodInfo, Resources } from './node-info.js';

/** framework.MaxNodeScore */
export const MAX_NODE_SCORE = 100;

/** leastRequestedScore: ((capacity - requested) * 100) / capacity in integers; 0 when over capacity or none. */
export function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/**
 * NodeResourcesFit with the LeastAllocated strategy (the default profile's scorer): CPU and memory
 * weighted 1 each, requests counted with the non-zero defaults, the pod's own requests included.
 */
export function leastAllocatedScore(nodeNonZero: Resources, alloc: Resources, pod: PodInfo): number {
  const cpu = leastRequested(nodeNonZero.milliCpu + pod.nonZero.milliCpu, alloc.milliCpu);
  const mem = leastRequested(nodeNonZero.memory + pod.nonZero.memory, alloc.memory);
  return Math.floor((cpu + mem) / 2);
}

export function scoreNode(pod: PodInfo, node: NodeInfo): number {
  return leastAllocatedScore(node.nonZero, node.allocatable, pod);
}
