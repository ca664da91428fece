export { LiveCluster, type LiveClusterOptions } from './live-cluster.js';
export { ControlPlane, type ControlPlaneOptions, EPOCH } from './control-plane.js';
export { WiredPodNetwork, HostLocalAllocator } from './wired-pod-network.js';
export { type RecordType, type DnsAnswer, type DnsRecord, formatRecord } from '../../dns/index.js';
export { type EnvVar } from '../../kubelet/index.js';
