import type { Ip4 } from '../addr/index.js';

/**
 * The gateways that lead out of the modelled network, by L2 segment and address: a packet the tracer sends to one
 * leaves the model (`exited`) instead of failing ARP.
 */
export class Gateways {
  private readonly bySegment = new Map<string, Set<Ip4>>();

  add(segment: string, ip: Ip4): void {
    let s = this.bySegment.get(segment);
    if (s === undefined) this.bySegment.set(segment, (s = new Set()));
    s.add(ip);
  }

  delete(segment: string, ip: Ip4): boolean {
    return this.bySegment.get(segment)?.delete(ip) === true;
  }

  /** Whether `ip` on `segment` is a gateway. */
  has(segment: string, ip: Ip4): boolean {
    return this.bySegment.get(segment)?.has(ip) === true;
  }
}
