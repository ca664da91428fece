import type { Packet } from '../../packet/index.js';
import type { CtView, PathState, Skb } from '../hooks.js';

/**
 * A changed copy of an skb, written out field by field: `{ ...skb, x }` goes through V8's
 * generic object-clone path, which showed up as the costliest line of a trace. Always the
 * same property order (with pathState last, when present), so every skb shares one of two
 * hidden classes and the matches' property reads stay monomorphic.
 */
export function skbWith(skb: Skb, packet: Packet, mark: number, ct: CtView, pathState: PathState | undefined): Skb {
  return pathState === undefined
    ? { packet, mark, ct, inDev: skb.inDev, outDev: skb.outDev, physIn: skb.physIn, physOut: skb.physOut, bridged: skb.bridged }
    : { packet, mark, ct, inDev: skb.inDev, outDev: skb.outDev, physIn: skb.physIn, physOut: skb.physOut, bridged: skb.bridged, pathState };
}
