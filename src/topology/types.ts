import type { Cidr4, Ip4 } from '../addr/index.js';

export type NetworkBackend = 'host-gw' | 'vxlan';
export type ProxyMode = 'iptables' | 'ipvs' | 'userspace' | 'nftables';
export type LoadBalancerMode = 'bgp' | 'l2';

/** A Kubernetes object from a manifest, still untyped past apiVersion/kind/metadata.name. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> } & Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/** Where a manifest object came from, for error messages: `demo-app.yaml (document 2)`. */
export interface ManifestSource {
  readonly file: string;
  readonly document: number;
  /** Index inside `items` when the document is a `kind: List`. */
  readonly item?: number;
}

export interface NodeSpec {
  readonly name: string;
  readonly ip: Ip4;
  /** Given in the file, or allocated from clusterCIDR in node order (as node IPAM does). */
  readonly podCIDR: Cidr4;
  readonly podCIDRAllocated: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ExternalHostSpec {
  readonly name: string;
  readonly ip: Ip4;
}

export interface CniSpec {
  /** Absolute path of the conflist file, when the topology names one. */
  readonly conflistPath?: string;
  /** The parsed conflist (JSON), when the topology names one; otherwise the default bridge + host-local is used. */
  readonly conflist?: unknown;
}

export interface ClusterSpec {
  readonly clusterCIDR: Cidr4;
  readonly serviceCIDR: Cidr4;
  readonly nodeCIDRMaskSize: number;
  readonly nodeNetwork: { readonly cidr: Cidr4; readonly gateway?: Ip4 };
  readonly network: NetworkBackend;
  readonly proxyMode: ProxyMode;
  readonly cni: CniSpec;
  readonly loadBalancer?: { readonly pool: Cidr4; readonly mode: LoadBalancerMode };
}

/** A validated, immutable topology: what `cluster/` realizes. */
export interface TopologySpec {
  /** Absolute path of the topology file, or a label for generated ones. */
  readonly file: string;
  readonly name: string;
  readonly cluster: ClusterSpec;
  readonly nodes: readonly NodeSpec[];
  readonly external: readonly ExternalHostSpec[];
  /** Every object of every manifest, in file order. */
  readonly objects: readonly { readonly object: ManifestObject; readonly source: ManifestSource }[];
}
