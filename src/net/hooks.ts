import type { Ip4 } from '../addr/index.js';
import type { Fraction } from '../lib/index.js';
import type { Packet } from '../packet/index.js';
import type { NetfilterHooks } from './netfilter/handler.js';

/** The five netfilter hooks, by the names iptables gives their built-in chains. */
export type Hook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/**
 * A hook's number (0-4, in the kernel's NF_INET_* order), for per-hook arrays and bit sets. A switch, not a record
 * lookup: `record[hook]` with five different keys is a megamorphic keyed load (a stub-cache probe) in every hook.
 */
export function hookIndex(hook: Hook): number {
  switch (hook) {
    case 'PREROUTING':
      return 0;
    case 'INPUT':
      return 1;
    case 'FORWARD':
      return 2;
    case 'OUTPUT':
      return 3;
    case 'POSTROUTING':
      return 4;
  }
}

/** Conntrack states as `-m conntrack --ctstate` and `ct state` name them. */
export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';

/** What conntrack knows about the packet's connection at this hook. */
export interface CtView {
  readonly state: CtState;
  /** The connection was destination- / source-NATed (`--ctstate DNAT/SNAT`, `--ctstatus`). */
  readonly dnat: boolean;
  readonly snat: boolean;
  /** The connection mark (CONNMARK). */
  readonly mark: number;
  /** Whether this packet is in the reply direction of its connection. */
  readonly reply: boolean;
  /** The conntrack entry's id in the path state (`Skb.pathState`), when a conntrack model tracks it. */
  readonly id?: number;
}

/**
 * State that handlers keep across hooks and packets of one trace path: conntrack entries,
 * `-m recent` lists, `statistic --mode nth` counters. Immutable: a handler returns the updated
 * map in its branches' skbs, so forked paths never share mutations. Keyed by owner, e.g.
 * `netfilter/<netns>`. To let a reply see its connection, start the reply's skb with the
 * final `pathState` of the request's path.
 */
export type PathState = ReadonlyMap<string, unknown>;

/** `-m addrtype` types, as the kernel classifies an address through the local routing table. */
export type AddrType = 'UNSPEC' | 'UNICAST' | 'LOCAL' | 'BROADCAST' | 'ANYCAST' | 'MULTICAST' | 'BLACKHOLE' | 'UNREACHABLE' | 'PROHIBIT';

/**
 * The socket buffer as the hooks see it: the packet plus the metadata that matches read
 * (-i/-o, physdev, mark, conntrack). Immutable; handlers return changed copies.
 */
export interface Skb {
  readonly packet: Packet;
  readonly mark: number;
  readonly ct: CtView;
  readonly inDev: string | undefined;
  readonly outDev: string | undefined;
  /** Set when the packet is being bridged (br_netfilter): the bridge ports it came in / goes out on. */
  readonly physIn: string | undefined;
  readonly physOut: string | undefined;
  readonly bridged: boolean;
  /** Per-path handler state (see PathState); absent means "the handlers' committed state". */
  readonly pathState?: PathState;
}

/** What a hook handler may ask of the namespace it runs in. */
export interface HostView {
  readonly netns: string;
  /** The namespace's netfilter, for handlers shared between namespaces (see Netns.netfilter). */
  readonly netfilter?: NetfilterHooks | undefined;
  /** `-m addrtype`: classify an address as this namespace's routing would; `dev` limits LOCAL to that interface. */
  addrType(ip: Ip4, dev?: string): AddrType;
  /** The address MASQUERADE / REDIRECT would pick on `dev` (its primary address), if any. */
  primaryAddress(dev: string): Ip4 | undefined;
  /** The source address routing would choose to reach `dst` (MASQUERADE's choice). */
  sourceAddressFor(dst: Ip4): Ip4 | undefined;
}

/** One step a handler reports: a rule that matched, a NAT it did, an IPVS choice. */
export interface HookHop {
  readonly step: string;
  readonly detail: string;
  readonly rule?: string;
  readonly table?: string;
  readonly chain?: string;
  readonly ruleNumber?: number;
  readonly nat?: { readonly type: 'dnat' | 'snat' | 'masquerade' | 'redirect'; readonly before: string; readonly after: string };
}

export type HookVerdict =
  | { readonly kind: 'accept' }
  | { readonly kind: 'drop'; readonly reason: string }
  | { readonly kind: 'reject'; readonly reason: string; readonly with: string }
  /** The packet was taken over (e.g. by a local proxy socket); the path continues elsewhere. */
  | { readonly kind: 'stolen'; readonly reason: string }
  /**
   * The handler rewrote the packet and the kernel transmits it itself, as IPVS does after
   * ip_vs_nat_xmit: the packet is routed again from this namespace as locally output and then
   * traverses POSTROUTING (where KUBE-POSTROUTING may masquerade it). No later handler of this
   * hook runs.
   */
  | { readonly kind: 'reroute'; readonly reason: string }
  /**
   * Delivered to a local proxy socket (kube-proxy's userspace mode), which opens a new connection:
   * `packet` is the first packet of that connection, sent by this namespace like any local socket.
   */
  | { readonly kind: 'proxy'; readonly reason: string; readonly socket: string; readonly packet: Packet };

/** One possible outcome of a hook; several branches when a rule chooses at random. */
export interface HookBranch {
  readonly probability: Fraction;
  readonly verdict: HookVerdict;
  readonly skb: Skb;
  readonly hops: readonly HookHop[];
}

/**
 * A handler registered at a hook, run in priority order as the kernel does (raw -300,
 * mangle -150, nat DNAT -100, filter 0, nat SNAT 100). Must not mutate shared state: it returns
 * branches whose probabilities sum to 1.
 */
export interface HookHandler {
  readonly name: string;
  readonly priority: number;
  process(hook: Hook, skb: Skb, host: HostView): readonly HookBranch[];
  /**
   * Optional: true when, at `hook`, this handler would accept every packet unchanged and report
   * no hop (an iptables table with no rule and policy ACCEPT there), so the runner skips the call.
   * It may not depend on the packet; it is asked each time, so it may change as rules change.
   */
  idle?(hook: Hook): boolean;
}

export const NEW_CT: CtView = { state: 'NEW', dnat: false, snat: false, mark: 0, reply: false };
