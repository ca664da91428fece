import type { Ip4, Mac } from '../addr/index.js';

export interface SegmentPort {
  readonly netns: string;
  readonly dev: string;
  readonly mac: Mac;
}

/**
 * A shared L2 network that uplinks attach to, like the switch behind the nodes' eth0. It
 * forwards by MAC and answers ARP for the addresses its members own.
 */
export class L2Segment {
  private readonly byMac = new Map<Mac, SegmentPort>();
  /** Keyed by the address as a signed 32-bit integer (`ip | 0`): node addresses such as 192.168/16 would be heap numbers. */
  private readonly byIp = new Map<number, SegmentPort>();

  constructor(readonly name: string) {}

  attach(port: SegmentPort, ips: readonly Ip4[]): void {
    this.byMac.set(port.mac, port);
    for (const ip of ips) this.byIp.set(ip | 0, port);
  }

  /** Another member starts answering ARP for `ip` (an extra address, e.g. a MetalLB L2 announcement). */
  announce(ip: Ip4, port: SegmentPort): void {
    this.byIp.set(ip | 0, port);
  }

  withdraw(ip: Ip4): void {
    this.byIp.delete(ip | 0);
  }

  detach(mac: Mac): void {
    const p = this.byMac.get(mac);
    if (p === undefined) return;
    this.byMac.delete(mac);
    for (const [ip, q] of this.byIp) if (q === p) this.byIp.delete(ip);
  }

  portByMac(mac: Mac): SegmentPort | undefined {
    return this.byMac.get(mac);
  }

  /** Who answers an ARP request for `ip` on this segment. */
  arp(ip: Ip4): SegmentPort | undefined {
    return this.byIp.get(ip | 0);
  }

  members(): IterableIterator<SegmentPort> {
    return this.byMac.values();
  }
}
