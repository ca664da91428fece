import { type Ip4, type IpProto, ip4ToString } from '../addr/index.js';

/**
 * The headers the datapath decides on, kept flat because every hop reads them. Packets are
 * immutable: NAT and encapsulation return new objects, so forked paths never share mutations.
 * For ICMP, `sport` carries the echo id and `dport` is 0, as conntrack keys ICMP flows.
 */
export interface Packet {
  readonly src: Ip4;
  readonly dst: Ip4;
  readonly proto: IpProto;
  readonly sport: number;
  readonly dport: number;
  readonly ttl: number;
  /** ICMP type and code; absent for other protocols. */
  readonly icmp?: { readonly type: number; readonly code: number } | undefined;
  /** For an overlay packet: the original packet that this one (outer headers) carries. */
  readonly inner?: Packet | undefined;
}

export function makePacket(p: {
  src: Ip4;
  dst: Ip4;
  proto: IpProto;
  sport?: number;
  dport?: number;
  ttl?: number;
}): Packet {
  // Every packet has the same keys in the same order, so the datapath's property reads stay monomorphic.
  return {
    src: p.src,
    dst: p.dst,
    proto: p.proto,
    sport: p.sport ?? 0,
    dport: p.dport ?? 0,
    ttl: p.ttl ?? 64,
    icmp: p.proto === 'icmp' ? { type: 8, code: 0 } : undefined,
    inner: undefined,
  };
}

/** `tcp 10.244.1.2:40000 -> 10.96.0.10:80`: the 5-tuple as conntrack and humans read it. */
export function flowKey(p: Packet): string {
  if (p.proto === 'icmp') return `icmp ${ip4ToString(p.src)} -> ${ip4ToString(p.dst)} id=${p.sport}`;
  return `${p.proto} ${ip4ToString(p.src)}:${p.sport} -> ${ip4ToString(p.dst)}:${p.dport}`;
}

// NAT copies a packet at every translation: written out in makePacket's key order (a spread takes V8's slow generic
// clone path and gives the copy another shape).
export function withDst(p: Packet, dst: Ip4, dport: number = p.dport): Packet {
  return { src: p.src, dst, proto: p.proto, sport: p.sport, dport, ttl: p.ttl, icmp: p.icmp, inner: p.inner };
}

export function withSrc(p: Packet, src: Ip4, sport: number = p.sport): Packet {
  return { src, dst: p.dst, proto: p.proto, sport, dport: p.dport, ttl: p.ttl, icmp: p.icmp, inner: p.inner };
}

export function hasPorts(p: Packet): boolean {
  return p.proto !== 'icmp';
}
