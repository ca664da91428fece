import type { Ip4 } from '../addr/index.js';

/**
 * The gateways that lead out of the modelled network, as `segment/ip` texts (how builders name them), also indexed by
 * segment and address: the tracer asks on every packet that leaves through a gateway, and a text key would be a
 * string built per packet.
 */
export class GatewaySet extends Set<string> {
  private bySegment: Map<string, Set<number>> | undefined;

  override add(key: string): this {
    super.add(key);
    this.bySegment = undefined;
    return this;
  }

  override delete(key: string): boolean {
    this.bySegment = undefined;
    return super.delete(key);
  }

  override clear(): void {
    this.bySegment = undefined;
    super.clear();
  }

  /** Whether `ip` on segment `segment` is a gateway (the same answer as has(`${segment}/${ip}`)). */
  on(segment: string, ip: Ip4): boolean {
    if (this.bySegment === undefined) {
      const m = new Map<string, Set<number>>();
      for (const key of this) {
        const slash = key.lastIndexOf('/');
        const addr = Number(key.slice(slash + 1));
        if (slash < 0 || !Number.isInteger(addr)) continue;
        const seg = key.slice(0, slash);
        let s = m.get(seg);
        if (s === undefined) m.set(seg, (s = new Set()));
        s.add(addr);
      }
      this.bySegment = m;
    }
    return this.bySegment.get(segment)?.has(ip) === true;
  }
}
