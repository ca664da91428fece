import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { Ip4 } from '../addr/index.js';
import type { Network, Netns } from '../net/index.js';
import type { NodeSpec, TopologySpec } from '../topology/index.js';
import type { NodeProxy } from './kube-proxy.js';
import type { LbAnnouncement } from './load-balancer.js';

export interface ContainerPort {
  readonly name: string | undefined;
  readonly containerPort: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  /** The node port the container port is published on (`hostPort`), which the CNI portmap plugin forwards. */
  readonly hostPort?: number;
  /** The node address the hostPort is bound to (`hostIP`); every node address when absent. */
  readonly hostIP?: string;
}

export interface PodInfo {
  readonly namespace: string;
  readonly name: string;
  /** `namespace/name` */
  readonly key: string;
  readonly node: string;
  readonly ip: Ip4;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly ContainerPort[];
  readonly netns: Netns;
  /** The host side of the pod's veth (`veth1a2b3c4d`). */
  readonly hostVeth: string;
  readonly ready: boolean;
}

export interface NodeInfo {
  readonly spec: NodeSpec;
  readonly netns: Netns;
}

export interface ExternalInfo {
  readonly name: string;
  readonly ip: Ip4;
  readonly netns: Netns;
}

/** A realized cluster: the topology, its network and the Kubernetes objects wired into it. */
export interface Cluster {
  readonly topology: TopologySpec;
  readonly network: Network;
  readonly nodes: ReadonlyMap<string, NodeInfo>;
  readonly pods: ReadonlyMap<string, PodInfo>;
  readonly podsByIp: ReadonlyMap<Ip4, PodInfo>;
  readonly externals: ReadonlyMap<string, ExternalInfo>;
  /** Services with clusterIP, nodePorts and LB ingress allocated (`namespace/name` → object). */
  readonly services: ReadonlyMap<string, Service>;
  readonly endpointSlices: readonly EndpointSlice[];
  /** kube-proxy per node (iptables mode); empty when the topology's proxy mode is not emulated yet. */
  readonly proxies: ReadonlyMap<string, NodeProxy>;
  /** How each LoadBalancer ingress IP is announced (MetalLB bgp or l2). */
  readonly announcements: readonly LbAnnouncement[];
  /**
   * Node name → iptables-save of the node as the kubelet and kube-proxy left it, before the CNI plugins' own rules
   * (ipMasq's CNI-… chains, portmap's CNI-HOSTPORT-…) were merged into `proxies`' netfilter: set only for the nodes
   * that have plugin rules. `kubewire realize` loads this and lets the real plugins write their rules themselves.
   */
  readonly rulesBeforePlugins?: ReadonlyMap<string, string>;
}

export function netnsNameForNode(node: string): string {
  return `node/${node}`;
}

export function netnsNameForPod(namespace: string, name: string): string {
  return `pod/${namespace}/${name}`;
}

export function netnsNameForExternal(name: string): string {
  return `external/${name}`;
}
