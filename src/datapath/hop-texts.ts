import { type Ip4, ip4ToString } from '../addr/index.js';
import type { Netns, Route } from '../net/index.js';
import { type Packet, flowKey } from '../packet/index.js';
import type { TakeoverVerdict } from './hook-runner.js';
import { describeOwner } from './hop.js';

/**
 * The tracer's hop formatters (see Hop): module-level, so a hop holds its inputs instead of a closure over them, and
 * a detail is formatted only when it is read.
 */
export const sendsText = (ns: Netns, p: Packet): string => `${describeOwner(ns)} sends ${flowKey(p)}`;
export const arrivesText = (p: Packet, dev: string): string => `${flowKey(p)} arrives on ${dev}`;
export const routeText = (dst: Ip4, r: Route, dev: string): string =>
  `${ip4ToString(dst)}${r.gateway === undefined ? '' : ` via ${ip4ToString(r.gateway)}`} dev ${dev}: route ${r.dst.prefix === 0 ? 'default' : r.dst.toString()}`;
export const exitText = (nh: Ip4): string => `sent to the node network's gateway ${ip4ToString(nh)}: leaves the modelled network`;
export const vethText = (dev: string, peer: string, peerNs: string): string => `${dev} → ${peer} in ${peerNs}`;
export const forwardText = (dev: string, outDev: string, ttl: number): string => `forwarded ${dev} → ${outDev}, TTL ${ttl}`;
export const deliverText = (ns: Netns, p: Packet): string =>
  `delivered to ${describeOwner(ns)} at ${ip4ToString(p.dst)}${p.proto === 'icmp' ? '' : `:${p.dport}`}, from ${ip4ToString(p.src)}`;
// A verdict's reason may be a getter that formats on read: it is read only when the hop's detail is.
export const rerouteText = (v: TakeoverVerdict, dst: Ip4): string => `${v.reason}: ${ip4ToString(dst)} is routed again as locally output`;
export const proxyText = (v: Extract<TakeoverVerdict, { kind: 'proxy' }>): string => `${v.reason}; ${v.socket} opens ${flowKey(v.packet)}`;
