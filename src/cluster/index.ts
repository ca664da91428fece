export { buildCluster, buildClusterAsync, buildClusterAuto, type BuildOptions } from './build.js';
export type { Cluster, PodInfo, NodeInfo, ExternalInfo, ContainerPort } from './model.js';
export { netnsNameForNode, netnsNameForPod, netnsNameForExternal } from './model.js';
export { resolveEndpoint, type ResolvedEndpoint } from './endpoints.js';
export { traceInCluster, type ClusterTraceRequest } from './trace.js';
export { type NodeProxy, installKubeProxy } from './kube-proxy.js';
export type { LbAnnouncement } from './load-balancer.js';
export { traceIptablesSave, type DumpTraceRequest } from './dump-trace.js';
export { LiveCluster, type LiveClusterOptions, ControlPlane, type ControlPlaneOptions, type RecordType, type DnsAnswer, type DnsRecord, formatRecord, type EnvVar } from './live/index.js';
