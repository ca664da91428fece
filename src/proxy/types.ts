import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Cidr4, Ip4 } from '../addr/index.js';

/** kube-proxy's config.ServiceHandler. Handlers never throw for well-formed objects; they queue work for sync(). */
export interface ServiceHandler {
  onServiceAdd(service: Service): void;
  onServiceUpdate(oldService: Service, service: Service): void;
  onServiceDelete(service: Service): void;
}

/** kube-proxy's config.EndpointSliceHandler. A slice without namespace or service-name label throws InputError KW_PROXY_BAD_ENDPOINTSLICE. */
export interface EndpointSliceHandler {
  onEndpointSliceAdd(slice: EndpointSlice): void;
  onEndpointSliceUpdate(oldSlice: EndpointSlice, slice: EndpointSlice): void;
  onEndpointSliceDelete(slice: EndpointSlice): void;
}

/** kube-proxy's config.NodeHandler (only this node's labels matter: topology zone). */
export interface NodeHandler {
  onNodeUpdate?(node: Node): void;
}

export type ProxyMode = 'userspace' | 'iptables' | 'ipvs' | 'nftables';

export interface SyncReport {
  readonly mode: ProxyMode;
  /** `full` on the first sync and after node/config changes; `partial` otherwise; `noop` when nothing changed. */
  readonly kind: 'full' | 'partial' | 'noop';
  /** The exact iptables-restore input (applied with --noflush --counters); '' for noop. */
  readonly restore: string;
  /** Services (`ns/name`) whose chains were rewritten. */
  readonly changedServices: readonly string[];
  /** Chains flushed and deleted (`:CHAIN - [0:0]` + `-X CHAIN`). */
  readonly deletedChains: readonly string[];
  readonly largeClusterMode: boolean;
}

export interface Proxier extends ServiceHandler, EndpointSliceHandler, NodeHandler {
  readonly mode: ProxyMode;
  /** Renders all pending changes as one transaction; `noop` when nothing changed since the last sync. */
  sync(): SyncReport;
}

/** Per-node kube-proxy configuration (flags of kube-proxy, IPv4 family). */
export interface ProxierConfig {
  /** --hostname-override: endpoints with this nodeName are local. */
  readonly nodeName: string;
  /** Node IPs; the first is kube-proxy's nodeIP (used for loadBalancerSourceRanges). */
  readonly nodeIPs: readonly Ip4[];
  /** --cluster-cidr: the LocalTrafficDetector (`-s`/`! -s` matches). Absent = no detector. */
  readonly clusterCIDR?: Cidr4;
  /** --masquerade-all. Default false. */
  readonly masqueradeAll?: boolean;
  /** --iptables-masquerade-bit. Default 14 (mark 0x4000). */
  readonly masqueradeBit?: number;
  /** --iptables-localhost-nodeports. Default true. */
  readonly localhostNodePorts?: boolean;
  /** --nodeport-addresses (IPv4 CIDRs). Absent or empty = all local addresses. */
  readonly nodePortAddresses?: readonly Cidr4[];
  /** All IPv4 addresses of the node's interfaces, for --nodeport-addresses (default: 127.0.0.1 + nodeIPs). */
  readonly interfaceAddresses?: readonly Ip4[];
  /** Endpoint count above which SEP comments are dropped. Default 1000. */
  readonly largeClusterThreshold?: number;
  /** iptables supports MASQUERADE --random-fully (any iptables >= 1.6.2). Default true. */
  readonly randomFully?: boolean;
  /** nfacct counters exist (kube-proxy >= 1.31 with nfnetlink_acct). Default true. */
  readonly nfacct?: boolean;
  /** sysctl nf_conntrack_tcp_be_liberal != 0 (then no INVALID-drop rule). Default false. */
  readonly conntrackTCPLiberal?: boolean;
  /**
   * The mark text written into rules. Default is what real kube-proxy writes, Go's
   * fmt.Sprintf("%#08x", 1<<bit) = "0x00004000"; kube-proxy's unit-test fake uses "0x4000".
   */
  readonly masqueradeMarkText?: string;
  /** Node labels (topology.kubernetes.io/zone drives topology hints). */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /** IPVS mode: --ipvs-scheduler (rr, wrr, lc, wlc, sh, dh, sed, nq, mh). Default rr. */
  readonly ipvsScheduler?: string;
  /** IPVS mode: write KUBE-IPVS-FILTER / KUBE-IPVS-OUT-FILTER (newer kube-proxy; absent in v1.26). Default true; false = the v1.26 layout. */
  readonly ipvsAccessFilter?: boolean;
  /** userspace mode: the first port of --proxy-port-range. Default 36000 (kube-proxy let the kernel pick an ephemeral port). */
  readonly userspaceProxyPortBase?: number;
}
