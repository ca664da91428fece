import { type Ip4, type Mac, ip4ToString } from '../addr/index.js';
import { Fraction } from '../lib/index.js';
import { type Hook, type Link, type Netns, type Network, type PathState, type Route, routeNextHops, type SegmentMember, type Skb, type UplinkLink, type VethLink } from '../net/index.js';
import { type Packet, flowKey } from '../packet/index.js';
import { type HookExits, type HookNext, type TakeoverVerdict, runHook } from './hook-runner.js';
import { type Detail, Hop } from './hop.js';
import { arrivesText, deliverText, exitText, forwardText, proxyText, rerouteText, routeText, sendsText, vethText } from './hop-texts.js';
import { Neighbour } from './neighbour.js';
import { crossNetns, hashFlow, makeSkb, withDevs, withPacket } from './skb-ops.js';
import type { Delivered, HopStep, TracePath, TraceResult, Verdict } from './types.js';
import { Walk } from './walk.js';

export interface TraceRequest {
  /** The namespace the packet starts in. */
  readonly from: string;
  readonly packet: Packet;
  /** When set, the packet arrives on this device of `from` instead of being sent by a local socket. */
  readonly inDev?: string;
  /** Handler state to start from (e.g. the conntrack entries a request's path left, for its reply). */
  readonly pathState?: PathState;
}

/** Hops a path may take before it is called a loop (bridged hops do not decrement TTL). */
const MAX_STEPS = 512;

/**
 * Walks a packet through the modelled kernel: routing, netfilter hooks, veth, bridges, the node
 * network and VXLAN, forking wherever the kernel would choose at random, and returns every path
 * with its probability. It reads the network and never changes it.
 */
export class Tracer {
  private readonly neighbour: Neighbour;
  private out: TracePath[] = [];
  private readonly exits: HookExits;

  constructor(private readonly net: Network) {
    this.neighbour = new Neighbour(net);
    this.exits = {
      end: (w, ns, iface, verdict, reason, skb) => this.end(w, ns, iface, verdict, reason, skb),
      takeover: (w, ns, iface, v, skb) => this.takeover(w, ns, iface, v, skb),
    };
  }

  trace(req: TraceRequest): TraceResult {
    const ns = this.net.get(req.from);
    this.out = [];
    const w = Walk.start();
    const skb = makeSkb(req.packet, req.pathState);
    if (req.inDev === undefined) {
      this.hopOf(w, ns, null, 'send', sendsText, ns, req.packet, undefined);
      this.localOut(w, ns, skb);
    } else {
      this.hopOf(w, ns, req.inDev, 'send', arrivesText, req.packet, req.inDev, undefined);
      this.ipRcv(w, ns, req.inDev, skb, false);
    }
    const paths = this.out;
    this.out = [];
    return { packet: req.packet, paths };
  }

  // ---- locally generated packets: route, OUTPUT, POSTROUTING, transmit ----

  private localOut(w: Walk, ns: Netns, skb: Skb): void {
    const dst = skb.packet.dst;
    if (ns.isLocal(dst)) {
      this.hop(w, ns, 'lo', 'route-lookup', () => `${ip4ToString(dst)} is a local address: local table, dev lo`);
      const s = withDevs(skb, skb.inDev, 'lo', skb.physIn, skb.physOut, skb.bridged);
      this.hook(w, ns, 'OUTPUT', s, 'lo', (w2, s2) => {
        if (s2.packet.dst !== dst && !ns.isLocal(s2.packet.dst)) {
          // ip_route_me_harder: the kernel routes again but does not run OUTPUT a second time
          // (found by `kubewire verify`: a node's own NodePort to a remote endpoint).
          this.hop(w2, ns, 'lo', 'route-lookup', () => `destination changed to ${ip4ToString(s2.packet.dst)}: rerouted`);
          this.rerouteAfterOutput(w2, ns, withDevs(s2, s2.inDev, undefined, s2.physIn, s2.physOut, s2.bridged));
          return;
        }
        this.hook(w2, ns, 'POSTROUTING', s2, 'lo', (w3, s3) => {
          this.hop(w3, ns, 'lo', 'loopback', 'looped back to this namespace');
          this.ipRcv(w3, ns, 'lo', withDevs(s3, 'lo', undefined, s3.physIn, s3.physOut, s3.bridged), false);
        });
      });
      return;
    }
    const r = ns.main.lookup(dst);
    if (r === undefined || r.type !== 'unicast') {
      this.noRoute(w, ns, null, skb, r);
      return;
    }
    this.forEachNextHop(w, ns, r, skb, null, (w1, dev, nh) => {
      const s = withDevs(skb, skb.inDev, dev, skb.physIn, skb.physOut, skb.bridged);
      this.hook(w1, ns, 'OUTPUT', s, dev, (w2, s2) => {
        if (s2.packet.dst !== dst) {
          // A DNAT in OUTPUT changed the destination: the kernel routes the packet again.
          this.hop(w2, ns, dev, 'route-lookup', () => `destination changed to ${ip4ToString(s2.packet.dst)}: rerouted`);
          this.rerouteAfterOutput(w2, ns, s2);
          return;
        }
        this.postrouting(w2, ns, s2, dev, nh);
      });
    });
  }

  private rerouteAfterOutput(w: Walk, ns: Netns, skb: Skb): void {
    const dst = skb.packet.dst;
    if (ns.isLocal(dst)) {
      this.hook(w, ns, 'POSTROUTING', withDevs(skb, skb.inDev, 'lo', skb.physIn, skb.physOut, skb.bridged), 'lo', (w2, s2) => {
        this.hop(w2, ns, 'lo', 'loopback', 'looped back to this namespace');
        this.ipRcv(w2, ns, 'lo', withDevs(s2, 'lo', undefined, s2.physIn, s2.physOut, s2.bridged), false);
      });
      return;
    }
    const r = ns.main.lookup(dst);
    if (r === undefined || r.type !== 'unicast') {
      this.noRoute(w, ns, null, skb, r);
      return;
    }
    this.forEachNextHop(w, ns, r, skb, null, (w1, dev, nh) => this.postrouting(w1, ns, skb, dev, nh));
  }

  private postrouting(w: Walk, ns: Netns, skb: Skb, dev: string, nh: Ip4): void {
    this.hook(w, ns, 'POSTROUTING', withDevs(skb, skb.inDev, dev, skb.physIn, skb.physOut, skb.bridged), dev, (w2, s2) => this.xmit(w2, ns, dev, nh, s2));
  }

  /** Picks the route's next hop; ECMP routes fork by weight, as the kernel's flow hash spreads them. */
  private forEachNextHop(w: Walk, ns: Netns, r: Route, skb: Skb, inDev: string | null, k: (w: Walk, dev: string, nh: Ip4) => void): void {
    const dst = skb.packet.dst;
    if (r.nexthops === undefined && r.dev !== undefined) {
      // The common single-path route: no allocation, no fork.
      const dev = r.dev;
      const gw = r.gateway;
      this.hopOf(w, ns, inDev, 'route-lookup', routeText, dst, r, dev);
      k(w, dev, gw ?? dst);
      return;
    }
    const nhs = routeNextHops(r);
    const total = nhs.reduce((a, n) => a + n.weight, 0);
    for (const n of nhs) {
      const w1 = nhs.length === 1 ? w : w.fork(Fraction.of(n.weight, total));
      const via = n.gateway === undefined ? '' : ` via ${ip4ToString(n.gateway)}`;
      const ecmp = nhs.length === 1 ? '' : ` (ECMP next hop, weight ${n.weight}/${total})`;
      this.hop(w1, ns, inDev, 'route-lookup', () => `${ip4ToString(dst)}${via} dev ${n.dev}: route ${r.dst.prefix === 0 ? 'default' : r.dst.toString()}${ecmp}`);
      k(w1, n.dev, n.gateway ?? dst);
    }
  }

  // ---- transmit on a device ----

  private xmit(w: Walk, ns: Netns, dev: string, nh: Ip4, skb: Skb): void {
    if (++w.steps > MAX_STEPS) {
      this.end(w, ns, dev, 'dropped', `forwarding loop: more than ${MAX_STEPS} hops`, skb);
      return;
    }
    const link = ns.link(dev);
    if (link === undefined || !link.up) {
      this.end(w, ns, dev, 'dropped', `device ${dev} is missing or down in ${ns.name}`, skb);
      return;
    }
    if (link.kind === 'vxlan') {
      this.vxlanXmit(w, ns, link, nh, skb);
      return;
    }
    if (link.kind === 'uplink') {
      this.uplinkXmit(w, ns, dev, link, nh, skb);
      return;
    }
    const answer = this.neighbour.resolve(ns, link, nh);
    if (answer === undefined) {
      this.noNeighbour(w, ns, dev, nh, skb);
      return;
    }
    this.sendFrame(w, ns, link, answer.mac, skb);
  }

  /**
   * Out of an uplink to whoever answers ARP on its segment. The answer is a segment member, so the frame goes to
   * it directly while it still holds its MAC (no MAC lookup) and follows its reference (no name lookups).
   */
  private uplinkXmit(w: Walk, ns: Netns, dev: string, link: UplinkLink, nh: Ip4, skb: Skb): void {
    const answer = this.neighbour.onSegment(ns, link, nh);
    if (answer === undefined) {
      if (this.isGateway(link, nh)) {
        this.hopOf(w, ns, dev, 'exit', exitText, nh, undefined, undefined);
        this.end(w, ns, dev, 'exited', null, skb);
        return;
      }
      this.noNeighbour(w, ns, dev, nh, skb);
      return;
    }
    this.toSegmentPort(w, ns, link, link.segment.frameTarget(answer), answer.mac, skb);
  }

  private noNeighbour(w: Walk, ns: Netns, dev: string, nh: Ip4, skb: Skb): void {
    this.end(w, ns, dev, 'unreachable', `no neighbour answers ARP for ${ip4ToString(nh)} on ${dev} in ${ns.name}: ICMP host unreachable`, skb);
  }

  /** A frame for `dstMac` out of `link` onto its segment, reaching `port` (undefined: nobody there has that MAC). */
  private toSegmentPort(w: Walk, ns: Netns, link: UplinkLink, port: SegmentMember | undefined, dstMac: Mac, skb: Skb): void {
    if (port === undefined) {
      this.end(w, ns, link.name, 'dropped', `no host with MAC ${dstMac} on ${link.segment.name}`, skb);
      return;
    }
    // The member is the reference to its namespace and device.
    const peerNs = port.resolvedIn(this.net.netns) ? port.ns : this.net.get(port.netns);
    this.hop(w, ns, link.name, 'uplink', () => `${link.name} → ${link.segment.name} → ${port.dev} of ${peerNs.name} (${dstMac})`);
    this.linkRcv(w, peerNs, port.dev, port.link, dstMac, crossNetns(skb, ns, peerNs));
  }

  /** Puts a frame for `dstMac` on the wire of `link`. */
  private sendFrame(w: Walk, ns: Netns, link: Link, dstMac: Mac, skb: Skb): void {
    switch (link.kind) {
      case 'veth':
        this.vethXmit(w, ns, link, dstMac, skb);
        return;
      case 'bridge':
        this.bridgeForward(w, ns, link.name, undefined, dstMac, skb, false);
        return;
      case 'uplink':
        this.toSegmentPort(w, ns, link, link.segment.portByMac(dstMac), dstMac, skb);
        return;
      case 'loopback':
        this.ipRcv(w, ns, 'lo', withDevs(skb, 'lo', undefined, skb.physIn, skb.physOut, skb.bridged), false);
        return;
      case 'dummy':
      case 'vxlan':
        this.end(w, ns, link.name, 'dropped', `${link.kind} device ${link.name} does not carry frames`, skb);
        return;
    }
  }

  private vxlanXmit(w: Walk, ns: Netns, link: Extract<Link, { kind: 'vxlan' }>, nh: Ip4, skb: Skb): void {
    const n = ns.neigh.lookup(nh, link.name);
    if (n === undefined) {
      this.end(w, ns, link.name, 'unreachable', `no neighbour entry for ${ip4ToString(nh)} on ${link.name} (the overlay installs one per remote node)`, skb);
      return;
    }
    const vtep = link.vtepFdb.lookup(n.mac);
    if (vtep === undefined) {
      this.end(w, ns, link.name, 'dropped', `no FDB entry on ${link.name} for ${n.mac}: the remote VTEP is unknown`, skb);
      return;
    }
    const inner = skb.packet;
    // Linux picks the outer UDP source port from a hash of the inner flow (vxlan_src_port).
    const sport = 32768 + (hashFlow(inner) % 28232);
    const outer: Packet = { src: link.local, dst: vtep, proto: 'udp', sport, dport: link.port, ttl: 64, inner };
    this.hop(w, ns, link.name, 'vxlan-encap', () => `VNI ${link.vni}: ${flowKey(inner)} inside udp ${ip4ToString(link.local)}:${sport} -> ${ip4ToString(vtep)}:${link.port}`);
    this.localOut(w, ns, makeSkb(outer, skb.pathState, skb.mark));
  }

  // ---- receive ----

  /**
   * A veth frame crosses to the peer. The peer's namespace and link come from the veth's resolved reference, not
   * from looking their names up: a missing namespace fails as Network.get does, a missing link drops below.
   */
  private vethXmit(w: Walk, ns: Netns, link: VethLink, dstMac: Mac, skb: Skb): void {
    const peer = link.peer;
    const peerNs = peer.resolvedIn(this.net.netns) ? peer.ns : this.net.get(peer.netns);
    this.hopOf(w, ns, link.name, 'veth', vethText, link.name, peer.name, peerNs.name);
    this.linkRcv(w, peerNs, peer.name, peer.link, dstMac, crossNetns(skb, ns, peerNs));
  }

  /** A frame arrives on `dev` of `ns`, whose link object (undefined when there is none) the caller has resolved. */
  private linkRcv(w: Walk, ns: Netns, dev: string, link: Link | undefined, dstMac: Mac, skb: Skb): void {
    if (link === undefined || !link.up) {
      this.end(w, ns, dev, 'dropped', `device ${dev} is missing or down in ${ns.name}`, skb);
      return;
    }
    if (link.master !== undefined) {
      this.bridgeForward(w, ns, link.master, dev, dstMac, skb, true);
      return;
    }
    if (dstMac !== link.mac) {
      this.end(w, ns, dev, 'dropped', `frame for ${dstMac} is not for ${dev} (${link.mac}): PACKET_OTHERHOST`, skb);
      return;
    }
    this.ipRcv(w, ns, dev, withDevs(skb, dev, undefined, skb.physIn, skb.physOut, skb.bridged), false);
  }

  /**
   * A frame on a bridge: from port `inPort` (or from the bridge's own stack when undefined).
   * With bridge-nf-call-iptables the bridged frame traverses iptables PREROUTING, FORWARD and
   * POSTROUTING (br_netfilter); a DNAT there to an address behind the same bridge keeps the
   * frame bridged and sends it back out — the hairpin case that needs `hairpin on`.
   */
  private bridgeForward(w: Walk, ns: Netns, brName: string, inPort: string | undefined, dstMac: Mac, skb: Skb, fromPort: boolean): void {
    const br = ns.link(brName);
    if (br?.kind !== 'bridge') {
      this.end(w, ns, brName, 'dropped', `${brName} is not a bridge`, skb);
      return;
    }
    const nf = fromPort && ns.sysctl.bridgeNfCallIptables;
    if (fromPort && dstMac === br.mac) {
      this.hop(w, ns, inPort ?? br.name, 'bridge-local', () => `${br.name}: frame for the bridge's own MAC, up to ${ns.name}'s IP stack`);
      const s = withDevs(skb, br.name, undefined, nf ? inPort : undefined, skb.physOut, nf);
      if (!nf) {
        this.ipRcv(w, ns, br.name, s, false);
        return;
      }
      this.hook(w, ns, 'PREROUTING', s, br.name, (w2, s2) => {
        const dst = s2.packet.dst;
        if (dst !== skb.packet.dst && !ns.isLocal(dst)) {
          const r = ns.main.lookup(dst);
          if (r?.type === 'unicast' && routeNextHops(r)[0]?.dev === br.name && routeNextHops(r).length === 1) {
            const ans = this.neighbour.resolve(ns, br, routeNextHops(r)[0]?.gateway ?? dst);
            if (ans !== undefined) {
              this.hop(w2, ns, br.name, 'bridge-forward', () => `DNAT to ${ip4ToString(dst)}, which is behind ${br.name} itself: the frame stays bridged (br_netfilter)`);
              this.bridgeL2(w2, ns, br, inPort, ans.mac, withDevs(s2, s2.inDev, s2.outDev, inPort, s2.physOut, s2.bridged), true);
              return;
            }
          }
        }
        this.ipRcv(w2, ns, br.name, withDevs(s2, s2.inDev, s2.outDev, undefined, s2.physOut, false), true);
      });
      return;
    }
    if (nf) {
      const s = withDevs(skb, br.name, undefined, inPort, skb.physOut, true);
      this.hook(w, ns, 'PREROUTING', s, br.name, (w2, s2) => this.bridgeL2(w2, ns, br, inPort, dstMac, s2, true));
      return;
    }
    this.bridgeL2(w, ns, br, inPort, dstMac, skb, false);
  }

  private bridgeL2(w: Walk, ns: Netns, br: Extract<Link, { kind: 'bridge' }>, inPort: string | undefined, dstMac: Mac, skb: Skb, nf: boolean): void {
    const entry = br.fdb.lookup(dstMac);
    let outPort = entry?.port;
    let step: HopStep = 'bridge-forward';
    if (outPort === undefined) {
      outPort = this.portOwning(ns, br, dstMac);
      step = 'bridge-flood';
      if (outPort === undefined) {
        this.end(w, ns, br.name, 'dropped', `${br.name}: no port leads to ${dstMac} (flooded, nobody answered)`, skb);
        return;
      }
    }
    const port = entry === undefined ? ns.link(outPort) : entry.linkIn(ns);
    if (port === undefined) {
      this.end(w, ns, br.name, 'dropped', `${br.name}: FDB points to missing port ${outPort}`, skb);
      return;
    }
    if (outPort === inPort && !port.hairpin) {
      this.end(w, ns, br.name, 'dropped', `${br.name}: the frame would go back out its ingress port ${outPort}, and hairpin mode is off on that port`, skb);
      return;
    }
    const how = step === 'bridge-flood' ? 'unknown MAC, flooded; answered' : 'FDB';
    this.hop(w, ns, br.name, step, () => `${br.name}: ${dstMac} via ${how} on port ${outPort}${inPort === undefined ? '' : ` (in on ${inPort})`}`);
    const out = (w2: Walk, s2: Skb): void => {
      if (port.kind !== 'veth') {
        this.end(w2, ns, outPort, 'dropped', `bridge port ${outPort} is a ${port.kind}, not modelled as a port`, s2);
        return;
      }
      this.vethXmit(w2, ns, port, dstMac, s2);
    };
    if (!nf) {
      out(w, skb);
      return;
    }
    const fwd = withDevs(skb, br.name, br.name, inPort, outPort, true);
    this.hook(w, ns, 'FORWARD', fwd, br.name, (w2, s2) => this.hook(w2, ns, 'POSTROUTING', s2, br.name, out));
  }

  private portOwning(ns: Netns, br: Extract<Link, { kind: 'bridge' }>, mac: Mac): string | undefined {
    for (const p of br.ports) {
      const l = ns.link(p);
      if (l?.kind === 'veth' && l.peer.resolvedIn(this.net.netns) && l.peer.link.mac === mac) return p;
    }
    return undefined;
  }

  private ipRcv(w: Walk, ns: Netns, dev: string, skb: Skb, prerouted: boolean): void {
    const s = withDevs(skb, dev, skb.outDev, skb.physIn, skb.physOut, skb.bridged);
    if (prerouted) {
      this.routeInput(w, ns, dev, s);
      return;
    }
    this.hook(w, ns, 'PREROUTING', s, dev, (w2, s2) => this.routeInput(w2, ns, dev, s2));
  }

  private routeInput(w: Walk, ns: Netns, dev: string, skb: Skb): void {
    const p = skb.packet;
    if (ns.isLocal(p.dst)) {
      if (p.dst >>> 24 === 127 && dev !== 'lo' && !ns.sysctl.routeLocalnet) {
        this.end(w, ns, dev, 'dropped', `martian destination ${ip4ToString(p.dst)} arriving on ${dev} (route_localnet=0)`, skb);
        return;
      }
      this.hook(w, ns, 'INPUT', withDevs(skb, skb.inDev, undefined, skb.physIn, skb.physOut, skb.bridged), dev, (w2, s2) => this.localIn(w2, ns, dev, s2));
      return;
    }
    if (!ns.sysctl.ipForward) {
      this.end(w, ns, dev, 'dropped', `${ip4ToString(p.dst)} is not local to ${ns.name} and ip_forward is 0 there: not a router`, skb);
      return;
    }
    const r = ns.main.lookup(p.dst);
    if (r === undefined || r.type !== 'unicast') {
      this.noRoute(w, ns, dev, skb, r);
      return;
    }
    if (p.ttl <= 1) {
      const from = ns.primaryAddress(dev);
      this.end(w, ns, dev, 'expired', `TTL expired in ${ns.name}: ICMP time exceeded sent to ${ip4ToString(p.src)}${from === undefined ? '' : ` from ${ip4ToString(from)}`}`, skb);
      return;
    }
    const fwd = withPacket(skb, { src: p.src, dst: p.dst, proto: p.proto, sport: p.sport, dport: p.dport, ttl: p.ttl - 1, icmp: p.icmp, inner: p.inner });
    this.forEachNextHop(w, ns, r, fwd, dev, (w1, outDev, nh) => {
      this.hopOf(w1, ns, dev, 'forward', forwardText, dev, outDev, fwd.packet.ttl);
      this.hook(w1, ns, 'FORWARD', withDevs(fwd, fwd.inDev, outDev, fwd.physIn, fwd.physOut, fwd.bridged), outDev, (w2, s2) => this.postrouting(w2, ns, s2, outDev, nh));
    });
  }

  private localIn(w: Walk, ns: Netns, dev: string, skb: Skb): void {
    const p = skb.packet;
    const inner = p.inner;
    if (p.proto === 'udp' && inner !== undefined) {
      const l = ns.vxlanOnPort(p.dport);
      if (l !== undefined) {
        this.hop(w, ns, l.name, 'vxlan-decap', () => `udp :${p.dport} VNI ${l.vni} from ${ip4ToString(p.src)}: inner ${flowKey(inner)} arrives on ${l.name}`);
        this.ipRcv(w, ns, l.name, makeSkb(inner, skb.pathState), false);
        return;
      }
    }
    this.deliver(w, ns, dev, skb);
  }

  private deliver(w: Walk, ns: Netns, dev: string, skb: Skb): void {
    const p = skb.packet;
    const o = ns.owner;
    const delivered: Delivered = 
      o.kind === 'pod'
        ? { pod: o.pod, node: o.node, ip: ip4ToString(p.dst), port: p.proto === 'icmp' ? null : p.dport }
        : o.kind === 'node'
          ? { pod: null, node: o.node, ip: ip4ToString(p.dst), port: p.proto === 'icmp' ? null : p.dport }
          : { pod: null, node: null, ip: ip4ToString(p.dst), port: p.proto === 'icmp' ? null : p.dport, external: o.name };
    this.hopOf(w, ns, dev, 'deliver', deliverText, ns, p, undefined);
    this.out.push({ probability: w.prob, verdict: 'delivered', reason: null, delivered, sourceSeen: ip4ToString(p.src), hops: w.hops, finalPacket: p, finalNetns: ns.name, finalState: skb.pathState });
  }

  // ---- endings ----

  private noRoute(w: Walk, ns: Netns, dev: string | null, skb: Skb, r: Route | undefined): void {
    const dst = ip4ToString(skb.packet.dst);
    if (r === undefined) {
      this.end(w, ns, dev, 'unreachable', `no route to ${dst} in ${ns.name}: no route in table main matches and there is no default route (ICMP network unreachable)`, skb);
    } else if (r.type === 'blackhole') {
      this.end(w, ns, dev, 'dropped', `route ${r.dst.toString()} in ${ns.name} is a blackhole`, skb);
    } else {
      this.end(w, ns, dev, 'unreachable', `route ${r.dst.toString()} in ${ns.name} is of type ${r.type} (ICMP ${r.type === 'prohibit' ? 'administratively prohibited' : 'host unreachable'})`, skb);
    }
  }

  private end(w: Walk, ns: Netns, iface: string | null, verdict: Exclude<Verdict, 'delivered'>, reason: string | null, skb: Skb): void {
    if (verdict !== 'exited') this.hop(w, ns, iface, verdict === 'unreachable' || verdict === 'expired' ? 'icmp-error' : 'drop', reason ?? verdict);
    this.out.push({ probability: w.prob, verdict, reason, delivered: null, sourceSeen: null, hops: w.hops, finalPacket: skb.packet, finalNetns: ns.name, finalState: skb.pathState });
  }

  private hook(w: Walk, ns: Netns, hook: Hook, skb: Skb, iface: string | null, k: HookNext): void {
    runHook(w, ns, hook, skb, iface, k, this.exits);
  }

  /**
   * A handler took the packet over. `reroute`: it was rewritten in place (IPVS's ip_vs_nat_xmit) and
   * is routed again as locally output, then POSTROUTING. `proxy`: a local socket accepted it and a
   * second connection starts from this namespace (kube-proxy's userspace mode).
   */
  private takeover(w: Walk, ns: Netns, iface: string | null, v: TakeoverVerdict, skb: Skb): void {
    if (v.kind === 'reroute') {
      this.hopOf(w, ns, iface, 'route-lookup', rerouteText, v, skb.packet.dst, undefined);
      this.rerouteAfterOutput(w, ns, withDevs(skb, undefined, skb.outDev, undefined, undefined, false));
      return;
    }
    this.hopOf(w, ns, iface, 'userspace-proxy', proxyText, v, undefined, undefined);
    this.localOut(w, ns, makeSkb(v.packet, skb.pathState));
  }

  private hop(w: Walk, ns: Netns, iface: string | null, step: HopStep, detail: Detail): void {
    w.hops.push(new Hop(ns.node, ns.name, iface, step, detail, undefined, undefined, undefined));
  }

  /** A hop whose detail `fmt` formats from a, b, c when read (a module-level formatter: no closure per hop). */
  private hopOf<A, B, C>(w: Walk, ns: Netns, iface: string | null, step: HopStep, fmt: (a: A, b: B, c: C) => string, a: A, b: B, c: C): void {
    w.hops.push(new Hop(ns.node, ns.name, iface, step, fmt, a, b, c));
  }

  private isGateway(link: UplinkLink, nh: Ip4): boolean {
    return this.net.gateways.has(link.segment.name, nh);
  }
}
