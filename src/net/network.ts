import { type IfAddr, type Ip4, type Mac, macFromName, ZERO_MAC } from '../addr/index.js';
import { Fdb } from './fdb.js';
import { Gateways } from './gateways.js';
import { VersionedMap, VersionedSet } from './generation.js';
import { type BridgeLink, type Link, MapVtepFdb, MAX_IFNAME, type UplinkLink, type VethLink, type VxlanLink } from './link.js';
import { LinkRef } from './link-ref.js';
import { NeighTable, SharedNeigh } from './neigh.js';
import { Netns, type NetnsOwner, type Sysctls } from './netns.js';
import { RouteTable, SharedRoutes } from './route-table.js';
import { L2Segment } from './segment.js';

/**
 * The whole modelled world: every namespace, the shared L2 segments between them and the
 * cluster-wide tables that many namespaces layer over. The datapath reads it; builders change it.
 */
export class Network {
  /** By name; a VersionedMap, so cached resolutions (a veth's peer) see a namespace come or go, even by a direct `netns.delete`. */
  readonly netns: Map<string, Netns> = new VersionedMap<string, Netns>();
  readonly segments = new Map<string, L2Segment>();
  /** Routes every node has to every other node's podCIDR (host-gw or vxlan). */
  readonly podRoutes = new SharedRoutes();
  /** flannel's neighbour entries for remote VTEP addresses. */
  readonly vtepNeigh = new SharedNeigh();
  /** flannel's FDB entries: VTEP MAC → node IP. */
  readonly vtepFdb = new Map<Mac, { vtep: Ip4; owner: string }>();
  /** Gateways that lead out of the modelled network, by segment and address. */
  readonly gateways = new Gateways();

  addNetns(name: string, owner: NetnsOwner, opts: { sharedRoutes?: boolean; sysctl?: Partial<Sysctls> } = {}): Netns {
    if (this.netns.has(name)) throw new Error(`netns ${name} exists`);
    const self = owner.kind === 'node' ? owner.node : name;
    const ns =
      opts.sharedRoutes === true
        ? new Netns(name, owner, {
            main: new RouteTable('main', { routes: this.podRoutes, self }),
            neigh: new NeighTable({ neigh: this.vtepNeigh, self }),
            ...(opts.sysctl === undefined ? {} : { sysctl: opts.sysctl }),
          })
        : new Netns(name, owner, opts.sysctl === undefined ? {} : { sysctl: opts.sysctl });
    this.netns.set(name, ns);
    ns.addLink({ kind: 'loopback', name: 'lo', ifindex: ns.allocIfindex(), mac: ZERO_MAC, mtu: 65536, up: true, addrs: [{ ip: 0x7f000001 as Ip4, prefix: 8 }], master: undefined, hairpin: false });
    return ns;
  }

  get(name: string): Netns {
    const ns = this.netns.get(name);
    if (ns === undefined) throw new Error(`no netns ${name}`);
    return ns;
  }

  segment(name: string): L2Segment {
    let s = this.segments.get(name);
    if (s === undefined) {
      s = new L2Segment(name);
      this.segments.set(name, s);
    }
    return s;
  }

  /** `ip link add a type veth peer name b netns …`. MACs derive from `macSeed` so they are stable. */
  addVethPair(a: { netns: Netns; name: string; addrs?: IfAddr[] }, b: { netns: Netns; name: string; addrs?: IfAddr[] }, macSeed: string): [VethLink, VethLink] {
    checkIfname(a.name);
    checkIfname(b.name);
    // Built in one literal each (no spread of a base object): a 150,000-pod build makes 300,000 of them.
    const la: VethLink = vethLink(a.netns, a.name, macFromName(`${macSeed}/a`), a.addrs, new LinkRef(b.netns.name, b.name));
    const lb: VethLink = vethLink(b.netns, b.name, macFromName(`${macSeed}/b`), b.addrs, new LinkRef(a.netns.name, a.name));
    a.netns.addLink(la);
    b.netns.addLink(lb);
    return [la, lb];
  }

  /*
   * Links are built as one object literal per kind, every field written in the same order (kind, then LinkBase's
   * fields, then the kind's own): no spread of a common base. A spread clone gave every node's bridge and uplink a
   * hidden class of its own, so at 5,000 nodes every load from a link in a trace was megamorphic and missed V8's
   * stub cache (a runtime IC miss per access).
   */
  addBridge(ns: Netns, name: string): BridgeLink {
    checkIfname(name);
    const br: BridgeLink = { kind: 'bridge', name, ifindex: ns.allocIfindex(), mac: macFromName(`${ns.name}/${name}`), mtu: 1500, up: true, addrs: [], master: undefined, hairpin: false, fdb: new Fdb(), ports: new VersionedSet<string>(), arpAnswers: undefined };
    ns.addLink(br);
    return br;
  }

  /** `ip link set <port> master <bridge>`: the port's own MAC becomes a permanent FDB entry. */
  enslave(ns: Netns, port: string, bridge: string, opts: { hairpin?: boolean } = {}): void {
    const br = ns.link(bridge);
    const p = ns.link(port);
    if (br?.kind !== 'bridge' || p === undefined) throw new Error(`${ns.name}: cannot enslave ${port} to ${bridge}`);
    p.master = bridge;
    p.hairpin = opts.hairpin ?? false;
    br.ports.add(port);
    br.fdb.addPermanent(p.mac, port);
  }

  addUplink(ns: Netns, name: string, segment: L2Segment, addr: IfAddr): UplinkLink {
    checkIfname(name);
    const link: UplinkLink = { kind: 'uplink', name, ifindex: ns.allocIfindex(), mac: macFromName(`${ns.name}/${name}`), mtu: 1500, up: true, addrs: [], master: undefined, hairpin: false, segment };
    ns.addLink(link);
    ns.addAddr(name, addr);
    segment.attach({ netns: ns.name, dev: name, mac: link.mac }, [addr.ip]);
    return link;
  }

  addVxlan(ns: Netns, opts: { name: string; vni: number; port: number; local: Ip4; dev: string; shared: boolean }): VxlanLink {
    checkIfname(opts.name);
    const self = ns.owner.kind === 'node' ? ns.owner.node : ns.name;
    const link: VxlanLink = {
      kind: 'vxlan',
      name: opts.name,
      ifindex: ns.allocIfindex(),
      mac: macFromName(`${ns.name}/${opts.name}`),
      mtu: 1450,
      up: true,
      addrs: [],
      master: undefined,
      hairpin: false,
      vni: opts.vni,
      port: opts.port,
      local: opts.local,
      dev: opts.dev,
      vtepFdb: new MapVtepFdb(opts.shared ? { table: this.vtepFdb, self } : undefined),
    };
    ns.addLink(link);
    return link;
  }
}

export function checkIfname(name: string): void {
  if (name.length === 0 || name.length > MAX_IFNAME || /[\s/:]/.test(name)) {
    throw new Error(`invalid interface name "${name}": at most ${MAX_IFNAME} characters, no spaces, "/" or ":"`);
  }
}

function vethLink(ns: Netns, name: string, mac: Mac, addrs: IfAddr[] | undefined, peer: VethLink['peer']): VethLink {
  return { kind: 'veth', name, ifindex: ns.allocIfindex(), mac, mtu: 1500, up: true, addrs: addrs === undefined ? [] : [...addrs], master: undefined, hairpin: false, peer };
}
