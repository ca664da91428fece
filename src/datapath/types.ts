import type { Fraction } from '../lib/index.js';
import type { PathState } from '../net/index.js';
import type { Packet } from '../packet/index.js';

/**
 * How a path ends. `exited`: it left the modelled network through the node network's default
 * gateway. `unreachable` and `expired` are the cases where the kernel sends an ICMP error back.
 */
export type Verdict = 'delivered' | 'dropped' | 'rejected' | 'unreachable' | 'expired' | 'exited';

/** The step a hop records; proxy modes add their own (e.g. `ipvs`, `userspace-proxy`). */
export type HopStep =
  | 'send'
  | 'route-lookup'
  | 'veth'
  | 'bridge-forward'
  | 'bridge-flood'
  | 'bridge-local'
  | 'uplink'
  | 'forward'
  | 'netfilter'
  | 'vxlan-encap'
  | 'vxlan-decap'
  | 'loopback'
  | 'deliver'
  | 'drop'
  | 'icmp-error'
  | 'exit'
  | (string & {});

export interface TraceHop {
  /** The node the namespace is on, or null for external hosts. */
  readonly node: string | null;
  readonly netns: string;
  readonly iface: string | null;
  readonly step: HopStep;
  readonly detail: string;
  /** The exact rule text for netfilter hops; null otherwise. */
  readonly rule: string | null;
  readonly table?: string | undefined;
  readonly chain?: string | undefined;
  readonly ruleNumber?: number | undefined;
  readonly nat?: { readonly type: string; readonly before: string; readonly after: string } | undefined;
}

export interface Delivered {
  /** `ns/name` when a pod received it, else null. */
  readonly pod: string | null;
  readonly node: string | null;
  readonly ip: string;
  readonly port: number | null;
  /** The external host's name, when the packet was delivered to one. */
  readonly external?: string;
}

export interface TracePath {
  readonly probability: Fraction;
  readonly verdict: Verdict;
  /** Why the path did not deliver (null when delivered). */
  readonly reason: string | null;
  readonly delivered: Delivered | null;
  /** The source address the receiver sees (after any SNAT), when delivered. */
  readonly sourceSeen: string | null;
  readonly hops: readonly TraceHop[];
  /** The packet as it was when the path ended, and the namespace it ended in. */
  readonly finalPacket: Packet;
  readonly finalNetns: string;
  /** Handler state the path left behind (conntrack entries…), to trace the connection's reply from. */
  readonly finalState: PathState | undefined;
  /** Explanations added after the walk (e.g. how session affinity will treat later connections). */
  readonly notes?: readonly string[];
}

export interface TraceResult {
  readonly packet: Packet;
  readonly paths: readonly TracePath[];
}
