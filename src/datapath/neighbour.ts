import type { Ip4, Mac } from '../addr/index.js';
import { type BridgeLink, BridgeArpAnswers, type Link, type Netns, type Network, type SegmentMember, topologyGeneration, type UplinkLink } from '../net/index.js';

/** Who answered ARP for a next hop: the MAC to send to, and whose interface it is. */
export interface ArpAnswer {
  readonly mac: Mac;
  readonly netns: string;
  readonly dev: string;
}

/**
 * ARP resolution across the L2 domain of an interface, as a settled network would answer it.
 * With arp_ignore=0 (the default) a namespace answers for any of its local addresses on any
 * interface, which is why the node answers for its cni0 address on eth0 too.
 */
export class Neighbour {
  constructor(private readonly net: Network) {}

  resolve(ns: Netns, link: Link, nh: Ip4): ArpAnswer | undefined {
    switch (link.kind) {
      case 'loopback':
        return { mac: link.mac, netns: ns.name, dev: link.name };
      case 'veth': {
        const peer = link.peer;
        if (!peer.resolvedIn(this.net.netns)) return undefined;
        const pl = peer.link;
        if (pl.master !== undefined) {
          const br = peer.masterLink(peer.ns, pl.master);
          return br?.kind === 'bridge' ? this.inBridge(peer.ns, br, nh) : undefined;
        }
        return peer.ns.isLocal(nh) ? { mac: pl.mac, netns: peer.ns.name, dev: pl.name } : undefined;
      }
      case 'bridge':
        return this.inBridge(ns, link, nh);
      case 'uplink':
        return this.onSegment(ns, link, nh);
      case 'vxlan': {
        const e = ns.neigh.lookup(nh, link.name);
        return e === undefined ? undefined : { mac: e.mac, netns: ns.name, dev: link.name };
      }
      case 'dummy':
        return undefined;
    }
  }

  /** Who answers on an uplink's segment. A segment member is itself an answer (its MAC, namespace and device): no copy per resolution. */
  onSegment(ns: Netns, link: UplinkLink, nh: Ip4): SegmentMember | undefined {
    const port = link.segment.arp(nh);
    if (port !== undefined) return port;
    for (const m of link.segment.members()) {
      if (m.netns !== ns.name && this.net.netns.get(m.netns)?.isLocal(nh) === true) return m;
    }
    return undefined;
  }

  private inBridge(ns: Netns, br: BridgeLink, nh: Ip4): ArpAnswer | undefined {
    const g = topologyGeneration();
    // Who answers for each address of the bridge and of its ports' peers, kept on the bridge while the topology
    // generation stands still: any address, port, link or namespace change since makes it rebuilt on next use.
    let cache = br.arpAnswers;
    if (cache?.at !== g) {
      cache = this.buildBridgeCache(ns, br, g);
      br.arpAnswers = cache;
    }
    const hit = cache.get(nh | 0);
    if (hit !== undefined) return hit;
    // arp_ignore=0: any namespace on the bridge answers for any of its local addresses.
    if (ns.isLocal(nh)) return { mac: br.mac, netns: ns.name, dev: br.name };
    for (const port of br.ports) {
      const l = ns.link(port);
      if (l?.kind !== 'veth') continue;
      const peer = l.peer;
      if (peer.resolvedIn(this.net.netns) && peer.ns.isLocal(nh)) return { mac: peer.link.mac, netns: peer.ns.name, dev: peer.link.name };
    }
    return undefined;
  }

  private buildBridgeCache(ns: Netns, br: BridgeLink, g: number): BridgeArpAnswers {
    const m = new BridgeArpAnswers(g);
    for (const a of br.addrs) m.set(a.ip | 0, { mac: br.mac, netns: ns.name, dev: br.name });
    for (const port of br.ports) {
      const l = ns.link(port);
      if (l?.kind !== 'veth' || !l.peer.resolvedIn(this.net.netns)) continue;
      const peer = l.peer.link;
      for (const a of peer.addrs) m.set(a.ip | 0, { mac: peer.mac, netns: l.peer.netns, dev: peer.name });
    }
    return m;
  }
}
