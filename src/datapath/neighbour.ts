import type { Ip4, Mac } from '../addr/index.js';
import type { BridgeLink, Link, Netns, Network } from '../net/index.js';

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
  /** Per bridge, who answers for each address, keyed by `ip | 0` (a small integer, where an unsigned address from 128.0.0.0 up is a heap number). */
  private readonly bridgeCache = new WeakMap<BridgeLink, Map<number, ArpAnswer>>();

  constructor(private readonly net: Network) {}

  resolve(ns: Netns, link: Link, nh: Ip4): ArpAnswer | undefined {
    switch (link.kind) {
      case 'loopback':
        return { mac: link.mac, netns: ns.name, dev: link.name };
      case 'veth': {
        const peerNs = this.net.netns.get(link.peer.netns);
        const peer = peerNs?.link(link.peer.name);
        if (peerNs === undefined || peer === undefined) return undefined;
        if (peer.master !== undefined) {
          const br = peerNs.link(peer.master);
          return br?.kind === 'bridge' ? this.inBridge(peerNs, br, nh) : undefined;
        }
        return peerNs.isLocal(nh) ? { mac: peer.mac, netns: peerNs.name, dev: peer.name } : undefined;
      }
      case 'bridge':
        return this.inBridge(ns, link, nh);
      case 'uplink': {
        const port = link.segment.arp(nh);
        if (port !== undefined) return { mac: port.mac, netns: port.netns, dev: port.dev };
        for (const m of link.segment.members()) {
          if (m.netns !== ns.name && this.net.netns.get(m.netns)?.isLocal(nh) === true) return { mac: m.mac, netns: m.netns, dev: m.dev };
        }
        return undefined;
      }
      case 'vxlan': {
        const e = ns.neigh.lookup(nh, link.name);
        return e === undefined ? undefined : { mac: e.mac, netns: ns.name, dev: link.name };
      }
      case 'dummy':
        return undefined;
    }
  }

  private inBridge(ns: Netns, br: BridgeLink, nh: Ip4): ArpAnswer | undefined {
    let cache = this.bridgeCache.get(br);
    const hit = cache?.get(nh | 0);
    if (hit !== undefined && this.stillOwns(hit, nh)) return hit;
    cache = this.buildBridgeCache(ns, br);
    this.bridgeCache.set(br, cache);
    const fresh = cache.get(nh | 0);
    if (fresh !== undefined) return fresh;
    // arp_ignore=0: any namespace on the bridge answers for any of its local addresses.
    if (ns.isLocal(nh)) return { mac: br.mac, netns: ns.name, dev: br.name };
    for (const port of br.ports) {
      const l = ns.link(port);
      if (l?.kind !== 'veth') continue;
      const peerNs = this.net.netns.get(l.peer.netns);
      const peer = peerNs?.link(l.peer.name);
      if (peerNs?.isLocal(nh) === true && peer !== undefined) return { mac: peer.mac, netns: peerNs.name, dev: peer.name };
    }
    return undefined;
  }

  private buildBridgeCache(ns: Netns, br: BridgeLink): Map<number, ArpAnswer> {
    const m = new Map<number, ArpAnswer>();
    for (const a of br.addrs) m.set(a.ip | 0, { mac: br.mac, netns: ns.name, dev: br.name });
    for (const port of br.ports) {
      const l = ns.link(port);
      if (l?.kind !== 'veth') continue;
      const peer = this.net.netns.get(l.peer.netns)?.link(l.peer.name);
      if (peer === undefined) continue;
      for (const a of peer.addrs) m.set(a.ip | 0, { mac: peer.mac, netns: l.peer.netns, dev: peer.name });
    }
    return m;
  }

  private stillOwns(a: ArpAnswer, nh: Ip4): boolean {
    const link = this.net.netns.get(a.netns)?.link(a.dev);
    return link !== undefined && link.addrs.some((x) => x.ip === nh);
  }
}
