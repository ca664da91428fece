/**
 * Value types of the Kernel interface, in the words `ip -j` uses. Addresses travel as text ("10.0.0.2/24",
 * "fd00::1/64") because the Linux driver handles IPv6 too, while the virtual layer models IPv4 only.
 */

/**
 * A network namespace as a driver understands it: '' is the driver's own ("host") namespace, the namespace a CNI
 * plugin runs in; a bare name is `/run/netns/<name>`; a path is what CNI_NETNS carries (`/run/netns/x`,
 * `/proc/<pid>/ns/net`).
 */
export type NetnsRef = string;

export const HOST_NETNS: NetnsRef = '';

export type KernelLinkKind = 'loopback' | 'veth' | 'bridge' | 'vxlan' | 'dummy' | 'other';

export interface KernelLink {
  readonly name: string;
  readonly ifindex: number;
  readonly kind: KernelLinkKind;
  readonly mac: string;
  readonly mtu: number;
  /** Administratively up (IFF_UP). */
  readonly up: boolean;
  readonly promisc: boolean;
  /** The bridge this link is a port of. */
  readonly master?: string;
  /** Bridge port flag; only meaningful with `master`. */
  readonly hairpin?: boolean;
  /** A veth's peer: its name when the driver can see it (same namespace or the virtual layer). */
  readonly peer?: { readonly netns?: string; readonly name?: string };
  readonly vxlan?: { readonly vni: number; readonly port: number; readonly local?: string; readonly dev?: string };
}

export interface KernelAddr {
  readonly dev: string;
  /** Address with its prefix length, host bits kept: "10.244.1.5/24". */
  readonly cidr: string;
  readonly family: 4 | 6;
}

export type RouteScope = 'global' | 'link' | 'host';

export interface KernelRoute {
  /** "0.0.0.0/0" for the default route (never the word "default"). */
  readonly dst: string;
  readonly gw?: string;
  readonly dev?: string;
  readonly scope?: RouteScope;
  readonly src?: string;
  /** "kernel" for connected routes, "boot" for what `ip route add` installs. */
  readonly proto?: string;
  readonly onlink?: boolean;
}

/** What a caller asks for; missing scope/proto take `ip route add`'s defaults. */
export interface RouteSpec {
  readonly dst: string;
  readonly gw?: string;
  readonly dev?: string;
  readonly scope?: RouteScope;
  readonly src?: string;
  readonly onlink?: boolean;
}

export interface KernelNeigh {
  readonly ip: string;
  readonly dev: string;
  readonly mac: string;
  readonly permanent: boolean;
}

/** `bridge fdb` entry: on a bridge port (`master`), or a VXLAN remote (`dst`). */
export interface KernelFdb {
  readonly mac: string;
  readonly dev: string;
  readonly dst?: string;
  readonly master?: string;
  readonly permanent: boolean;
}

export interface VethEnd {
  readonly netns: NetnsRef;
  readonly name: string;
}

export interface LinkOptions {
  readonly mtu?: number;
  /** Fixed MAC ("c2:…"); the kernel picks a random one when absent. */
  readonly mac?: string;
}

export interface VxlanOptions extends LinkOptions {
  readonly vni: number;
  /** UDP destination port (`dstport`); the kernel's default is 8472 for a bare `ip link add type vxlan`. */
  readonly port: number;
  readonly local?: string;
  /** Underlay device. */
  readonly dev?: string;
  readonly learning?: boolean;
}
