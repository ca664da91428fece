import type { IfAddr, Ip4, Mac } from '../addr/index.js';
import type { BridgeArpAnswers } from './bridge-arp.js';
import type { Fdb } from './fdb.js';
import type { LinkRef } from './link-ref.js';
import type { L2Segment } from './segment.js';

/** IFNAMSIZ - 1: the kernel refuses longer interface names. */
export const MAX_IFNAME = 15;

interface LinkBase {
  readonly name: string;
  readonly ifindex: number;
  readonly mac: Mac;
  mtu: number;
  up: boolean;
  /**
   * Addresses in the order they were added; the first is the primary (MASQUERADE's choice). Netns.addAddr replaces
   * the array with one exactly sized (a push leaves room for 17, and every pod's eth0 keeps its array).
   */
  addrs: IfAddr[];
  /** The bridge this link is enslaved to, if any (`master cni0`). */
  master: string | undefined;
  /** Bridge port flag `hairpin on`: may send a frame back out the port it came in on. */
  hairpin: boolean;
}

export interface LoopbackLink extends LinkBase {
  readonly kind: 'loopback';
}

export interface VethLink extends LinkBase {
  readonly kind: 'veth';
  /** The other end: its namespace and name (and, cached, the objects they name). Set once both ends exist. */
  peer: LinkRef;
}

export interface BridgeLink extends LinkBase {
  readonly kind: 'bridge';
  readonly fdb: Fdb;
  /** Port names. Network.addBridge makes it a VersionedSet: the datapath's cached ARP answers depend on the ports. */
  readonly ports: Set<string>;
  /**
   * The datapath's ARP answers on this bridge (see datapath Neighbour), kept on the link: a trace reaching a node's
   * bridge has the link in cache already, where a WeakMap keyed by it was one more cold lookup per node.
   */
  arpAnswers: BridgeArpAnswers | undefined;
}

export interface DummyLink extends LinkBase {
  readonly kind: 'dummy';
}

/** A VXLAN device: VNI, UDP port, the local underlay address and a static FDB of remote VTEPs. */
export interface VxlanLink extends LinkBase {
  readonly kind: 'vxlan';
  readonly vni: number;
  readonly port: number;
  readonly local: Ip4;
  /** The underlay device (`dev eth0`). */
  readonly dev: string;
  /** Remote VTEP by inner MAC (`bridge fdb append <mac> dev flannel.1 dst <ip>`). */
  readonly vtepFdb: VtepFdb;
}

/** A NIC attached to a shared L2 network (the node network), like a host's eth0 on a switch. */
export interface UplinkLink extends LinkBase {
  readonly kind: 'uplink';
  readonly segment: L2Segment;
}

export type Link = LoopbackLink | VethLink | BridgeLink | DummyLink | VxlanLink | UplinkLink;
export type LinkKind = Link['kind'];

/** Remote VTEP entries; may be layered over a cluster-wide table so 5,000 nodes share one copy. */
export interface VtepFdb {
  lookup(mac: Mac): Ip4 | undefined;
  entries(): Iterable<readonly [Mac, Ip4]>;
}

export class MapVtepFdb implements VtepFdb {
  private readonly own = new Map<Mac, Ip4>();
  constructor(private readonly shared?: { table: Map<Mac, { vtep: Ip4; owner: string }>; self: string }) {}
  set(mac: Mac, vtep: Ip4): void {
    this.own.set(mac, vtep);
  }
  lookup(mac: Mac): Ip4 | undefined {
    const o = this.own.get(mac);
    if (o !== undefined) return o;
    const s = this.shared?.table.get(mac);
    return s !== undefined && s.owner !== this.shared?.self ? s.vtep : undefined;
  }
  *entries(): Iterable<readonly [Mac, Ip4]> {
    yield* this.own;
    if (this.shared === undefined) return;
    for (const [mac, e] of this.shared.table) if (e.owner !== this.shared.self && !this.own.has(mac)) yield [mac, e.vtep];
  }
}
