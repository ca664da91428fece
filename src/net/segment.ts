import type { Ip4, Mac } from '../addr/index.js';
import { LinkRef } from './link-ref.js';

export interface SegmentPort {
  readonly netns: string;
  readonly dev: string;
  readonly mac: Mac;
}

/**
 * A port as the segment keeps it: the attached port's names, and itself a reference to its namespace and device that
 * a frame sent to it follows (resolved once per topology generation instead of looked up per frame). One object: a
 * separate reference was one more load, cold in a 5,000-node cluster, on every frame crossing the segment.
 */
export class SegmentMember extends LinkRef implements SegmentPort {
  readonly dev: string;
  readonly mac: Mac;
  /**
   * Whether this is the member portByMac answers for its MAC, so a frame to an ARP answer needs no MAC lookup:
   * false once detached or replaced by a later attach of the same MAC, and for an announcement (announce's port is
   * whichever member holds its MAC).
   */
  current: boolean;

  constructor(port: SegmentPort, current: boolean) {
    super(port.netns, port.dev);
    this.dev = port.dev;
    this.mac = port.mac;
    this.current = current;
  }
}

/**
 * A shared L2 network that uplinks attach to, like the switch behind the nodes' eth0. It
 * forwards by MAC and answers ARP for the addresses its members own.
 */
export class L2Segment {
  private readonly byMac = new Map<Mac, SegmentMember>();
  /** Keyed by the address as a signed 32-bit integer (`ip | 0`): node addresses such as 192.168/16 would be heap numbers. */
  private readonly byIp = new Map<number, SegmentMember>();

  constructor(readonly name: string) {}

  attach(port: SegmentPort, ips: readonly Ip4[]): void {
    const m = new SegmentMember(port, true);
    const old = this.byMac.get(port.mac);
    if (old !== undefined) old.current = false;
    this.byMac.set(port.mac, m);
    for (const ip of ips) this.byIp.set(ip | 0, m);
  }

  /** Another member starts answering ARP for `ip` (an extra address, e.g. a MetalLB L2 announcement). */
  announce(ip: Ip4, port: SegmentPort): void {
    this.byIp.set(ip | 0, new SegmentMember(port, false));
  }

  withdraw(ip: Ip4): void {
    this.byIp.delete(ip | 0);
  }

  detach(mac: Mac): void {
    const p = this.byMac.get(mac);
    if (p === undefined) return;
    p.current = false;
    this.byMac.delete(mac);
    for (const [ip, q] of this.byIp) if (q === p) this.byIp.delete(ip);
  }

  portByMac(mac: Mac): SegmentMember | undefined {
    return this.byMac.get(mac);
  }

  /** The member a frame to ARP answer `m` reaches: `m` itself while it holds its MAC, else whoever does. */
  frameTarget(m: SegmentMember): SegmentMember | undefined {
    return m.current ? m : this.byMac.get(m.mac);
  }

  /** Who answers an ARP request for `ip` on this segment. */
  arp(ip: Ip4): SegmentMember | undefined {
    return this.byIp.get(ip | 0);
  }

  members(): IterableIterator<SegmentMember> {
    return this.byMac.values();
  }
}
