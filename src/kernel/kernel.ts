import type {
  KernelAddr, KernelFdb, KernelLink, KernelNeigh, KernelRoute, LinkOptions, NetnsRef, RouteSpec, VethEnd, VxlanOptions,
} from './types.js';

/**
 * Network operations, shaped after what CNI plugins do through netlink and what realizing a topology in real
 * namespaces needs. Two drivers: `VirtualKernel` (changes src/net) and `LinuxKernel` (runs iproute2/iptables through a
 * CommandRunner). Every method rejects with a KernelError whose `kind` says why; reads of a missing object resolve
 * to undefined rather than rejecting.
 */
export interface Kernel {
  readonly kind: 'virtual' | 'linux';
  readonly netns: NetnsOps;
  readonly link: LinkOps;
  readonly addr: AddrOps;
  readonly route: RouteOps;
  readonly neigh: NeighOps;
  readonly fdb: FdbOps;
  readonly sysctl: SysctlOps;
  readonly iptables: IptablesOps;
}

export interface NetnsOps {
  /** `ip netns add`; 'exists' if taken. */
  add(name: string): Promise<void>;
  /** `ip netns del`; 'not-found' if absent. */
  del(name: string): Promise<void>;
  /** Whether the reference opens as a network namespace (a name, a /run/netns path, /proc/<pid>/ns/net, or ''). */
  exists(ref: NetnsRef): Promise<boolean>;
  /** Named namespaces, sorted. */
  list(): Promise<string[]>;
}

export interface LinkOps {
  /** A veth pair with `a` in a.netns and its peer in b.netns (created down); 'exists' if either name is taken. */
  addVeth(a: VethEnd, b: VethEnd, opts?: LinkOptions & { readonly peerMtu?: number }): Promise<void>;
  addBridge(ns: NetnsRef, name: string, opts?: LinkOptions): Promise<void>;
  addVxlan(ns: NetnsRef, name: string, opts: VxlanOptions): Promise<void>;
  addDummy(ns: NetnsRef, name: string, opts?: LinkOptions): Promise<void>;
  /** `ip link set X master B` (or `nomaster` with null); B must be a bridge. */
  setMaster(ns: NetnsRef, name: string, master: string | null): Promise<void>;
  setUp(ns: NetnsRef, name: string, up: boolean): Promise<void>;
  setMtu(ns: NetnsRef, name: string, mtu: number): Promise<void>;
  /** Bridge port flag; the link must be a bridge port. */
  setHairpin(ns: NetnsRef, name: string, on: boolean): Promise<void>;
  setPromisc(ns: NetnsRef, name: string, on: boolean): Promise<void>;
  /**
   * `ip link set X address M`. The address then counts as set (addr_assign_type NET_ADDR_SET), even if unchanged: a
   * bridge whose address was set, here or at creation, no longer takes the lowest MAC of its ports
   * (br_stp_recalculate_bridge_id), which is why the bridge CNI plugin sets a gateway bridge's MAC to itself.
   */
  setMac(ns: NetnsRef, name: string, mac: string): Promise<void>;
  /** Deletes the link (a veth takes its peer with it) with its addresses and routes; 'not-found' if absent. */
  del(ns: NetnsRef, name: string): Promise<void>;
  get(ns: NetnsRef, name: string): Promise<KernelLink | undefined>;
  list(ns: NetnsRef): Promise<KernelLink[]>;
}

export interface AddrOps {
  /** `ip addr add` (with its connected route); 'exists' if the device already has it. */
  add(ns: NetnsRef, dev: string, cidr: string): Promise<void>;
  del(ns: NetnsRef, dev: string, cidr: string): Promise<void>;
  list(ns: NetnsRef, dev?: string): Promise<KernelAddr[]>;
}

export interface RouteOps {
  /** `ip route add`; 'exists' for a taken destination, 'invalid' for an unreachable gateway. */
  add(ns: NetnsRef, r: RouteSpec): Promise<void>;
  /** `ip route replace`. */
  replace(ns: NetnsRef, r: RouteSpec): Promise<void>;
  del(ns: NetnsRef, r: RouteSpec): Promise<void>;
  /** The main table, IPv4 then IPv6. */
  list(ns: NetnsRef): Promise<KernelRoute[]>;
}

export interface NeighOps {
  /** `ip neigh replace … nud permanent`. */
  replace(ns: NetnsRef, e: Omit<KernelNeigh, 'permanent'>): Promise<void>;
  list(ns: NetnsRef): Promise<KernelNeigh[]>;
}

export interface FdbOps {
  /** `bridge fdb append <mac> dev <dev> [dst <ip>] [master] static`. */
  append(ns: NetnsRef, e: { readonly mac: string; readonly dev: string; readonly dst?: string }): Promise<void>;
  list(ns: NetnsRef): Promise<KernelFdb[]>;
}

export interface SysctlOps {
  /** Dotted key ("net.ipv4.ip_forward"); undefined when the key does not exist. */
  get(ns: NetnsRef, key: string): Promise<string | undefined>;
  set(ns: NetnsRef, key: string, value: string): Promise<void>;
}

export interface IptablesOps {
  /** `iptables-restore [--noflush]` of the whole text, all-or-nothing per table. */
  restore(ns: NetnsRef, text: string, opts?: { readonly noflush?: boolean }): Promise<void>;
  /** `iptables-save [-t table]`. */
  save(ns: NetnsRef, table?: string): Promise<string>;
}
