import { NEW_CT, type Netns, type PathState, type Skb } from '../net/index.js';
import type { Packet } from '../packet/index.js';

/** A fresh skb for a packet leaving a socket or entering a namespace: no devices, no mark, conntrack not yet consulted. */
export function makeSkb(packet: Packet, pathState: PathState | undefined, mark = 0): Skb {
  return pathState === undefined
    ? { packet, mark, ct: NEW_CT, inDev: undefined, outDev: undefined, physIn: undefined, physOut: undefined, bridged: false }
    : { packet, mark, ct: NEW_CT, inDev: undefined, outDev: undefined, physIn: undefined, physOut: undefined, bridged: false, pathState };
}

/**
 * The skb with other devices. Written out field by field, in the one property order every skb
 * has (see net/netfilter/skb.ts): a `{ ...skb, x }` spread takes V8's slow generic clone path.
 */
export function withDevs(skb: Skb, inDev: string | undefined, outDev: string | undefined, physIn: string | undefined, physOut: string | undefined, bridged: boolean): Skb {
  // Skbs are immutable values: when nothing changes (POSTROUTING after FORWARD keeps the output device, INPUT keeps
  // no output device), the same one serves, and a forked trace path allocates one skb less per hook.
  if (skb.inDev === inDev && skb.outDev === outDev && skb.physIn === physIn && skb.physOut === physOut && skb.bridged === bridged) return skb;
  const { packet, mark, ct, pathState } = skb;
  return pathState === undefined
    ? { packet, mark, ct, inDev, outDev, physIn, physOut, bridged }
    : { packet, mark, ct, inDev, outDev, physIn, physOut, bridged, pathState };
}

export function withPacket(skb: Skb, packet: Packet): Skb {
  return skb.pathState === undefined
    ? { packet, mark: skb.mark, ct: skb.ct, inDev: skb.inDev, outDev: skb.outDev, physIn: skb.physIn, physOut: skb.physOut, bridged: skb.bridged }
    : { packet, mark: skb.mark, ct: skb.ct, inDev: skb.inDev, outDev: skb.outDev, physIn: skb.physIn, physOut: skb.physOut, bridged: skb.bridged, pathState: skb.pathState };
}

/**
 * Crossing into another namespace scrubs the skb (skb_scrub_packet): the mark is cleared and the
 * packet meets that namespace's own conntrack. The path's per-namespace state travels on.
 */
export function crossNetns(skb: Skb, from: Netns, to: Netns): Skb {
  return from === to ? skb : makeSkb(skb.packet, skb.pathState);
}

/** The outer UDP source port's flow hash for VXLAN (FNV-1a over the inner flow; Linux uses its own hash, vxlan_src_port). */
export function hashFlow(p: Packet): number {
  // Unrolled: an array of the four fields per packet was an allocation on every VXLAN hop.
  let h = 2166136261;
  h = Math.imul(h ^ p.src, 16777619) >>> 0;
  h = Math.imul(h ^ p.dst, 16777619) >>> 0;
  h = Math.imul(h ^ p.sport, 16777619) >>> 0;
  return Math.imul(h ^ p.dport, 16777619) >>> 0;
}
