import type { Ip4 } from '../../addr/index.js';

/** Protocols an IPVS virtual service can be defined for (`-t`, `-u`, `--sctp-service`). */
export type IpvsProtocol = 'TCP' | 'UDP' | 'SCTP';

/** The schedulers kube-proxy accepts for --ipvs-scheduler (net/netfilter/ip_vs_*.c). */
export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'sh', 'dh', 'sed', 'nq', 'mh'] as const;
export type SchedulerName = (typeof SCHEDULERS)[number];

/** Forwarding methods as `ipvsadm -Ln` names them; kube-proxy only uses Masq (NAT). */
export type ForwardMethod = 'Masq' | 'Local' | 'Route' | 'Tunnel';

/** A virtual server: what `ipvsadm -A` creates (one per VIP, port and protocol). */
export interface VirtualServer {
  readonly protocol: IpvsProtocol;
  readonly address: Ip4;
  readonly port: number;
  readonly scheduler: SchedulerName;
  /** Persistence (`-p TIMEOUT [-M NETMASK]`): kube-proxy sets it for sessionAffinity ClientIP. */
  readonly persistent?: { readonly timeout: number; readonly netmask: Ip4 };
  /** Scheduler flags (`-b sh-port,sh-fallback`, `mh-port`…): kube-proxy sets mh-port (FlagSourceHash) with mh. */
  readonly flags: readonly string[];
}

/** A real server (destination) of a virtual server: what `ipvsadm -a` adds. */
export interface RealServer {
  readonly address: Ip4;
  readonly port: number;
  readonly weight: number;
  readonly forward: ForwardMethod;
  /** Connection counters as `ipvsadm -Ln` shows them (lc/wlc/sed/nq read them). */
  readonly activeConn: number;
  readonly inactConn: number;
}

/** A virtual server with its destinations, in the order they were added (the kernel's list order). */
export interface VirtualService {
  readonly vs: VirtualServer;
  readonly dests: readonly RealServer[];
}

export const PROTO_NUMBER: Readonly<Record<IpvsProtocol, number>> = { TCP: 6, UDP: 17, SCTP: 132 };

/** `TCP/10.96.0.1/443`: the lookup key of a virtual server. */
export function vsKey(protocol: IpvsProtocol, address: Ip4, port: number): string {
  return `${protocol}/${address}/${port}`;
}
