export type {
  ClusterSpec,
  CniSpec,
  ExternalHostSpec,
  LoadBalancerMode,
  ManifestObject,
  ManifestSource,
  NetworkBackend,
  NodeSpec,
  ProxyMode,
  TopologySpec,
} from './types.js';
export { loadTopology, parseTopology, type ReadFile } from './load.js';
export { topologySchema, validateTopologyDocument, TOPOLOGY_DEFAULTS, type TopologyDocument } from './schema.js';
export { generateTopology, GENERATED_PLAN, type GenerateOptions } from './generate.js';
export { topologyToDocument, topologyToYaml, manifestsToYaml } from './serialize.js';
export { SUPPORTED_KINDS, type SupportedKind } from './manifest-objects.js';
export { BUILTIN_NAMESPACES, NODE_PORT_RANGE } from './manifest-checks.js';
export { allocatePodCidrs, type PodCidrAllocation } from './allocate.js';
export { DEFAULT_CONFLIST } from './default-cni.js';
