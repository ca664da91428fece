export { Scheduler, type SchedulerOptions, type EventType, waitsForPods } from './scheduler.js';
export { NodeIndex } from './node-index.js';
export { Placement, type PlacementOptions } from './placement.js';
export { type HostPort, type UsedPorts, hostPortsOf, holdPorts, portsConflict } from './host-ports.js';
export { type Decision, decideNaive, rotateAfter } from './decide.js';
export {
  type NodeInfo,
  type PodInfo,
  type Resources,
  nodeInfoFromNode,
  podInfoFromPod,
  DEFAULT_MAX_PODS,
  DEFAULT_MILLI_CPU_REQUEST,
  DEFAULT_MEMORY_REQUEST,
} from './node-info.js';
export {
  type Filter,
  FILTERS,
  CLASS_FILTERS,
  nodeReady,
  nodeUnschedulable,
  taintToleration,
  nodeAffinity,
  nodeResourcesFit,
  nodePorts,
  interPodAffinity,
  podTopologySpread,
  runFilters,
  unschedulableMessage,
} from './filters.js';
export { leastAllocatedScore, leastRequested, scoreNode, MAX_NODE_SCORE } from './score.js';
export { parseQuantity, milliCpu, wholeQuantity } from '../api/index.js';
export {
  type AffinityPod,
  type AffinityTerm,
  type NamespaceLabels,
  type PlacedAffinityPod,
  affinityPod,
  hasRequiredTerms,
  interPodAffinityCheck,
  REASON_AFFINITY,
  REASON_ANTI_AFFINITY,
  REASON_EXISTING_ANTI_AFFINITY,
} from './pod-affinity.js';
export { type PlacedSpreadPod, type SpreadConstraint, REASON_SPREAD, REASON_SPREAD_LABEL, spreadConstraints, topologySpreadCheck } from './topology-spread.js';
