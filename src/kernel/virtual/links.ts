import { type Ip4, macFromName, parseIp4, type Mac } from '../../addr/index.js';
import type { Link, Netns, Network, VethLink } from '../../net/index.js';
import { KernelError } from '../errors.js';
import type { LinkOps } from '../kernel.js';
import type { SyncOps } from './driver.js';
import { checkIfNameSeen } from './if-name.js';
import type { KernelLink, KernelLinkKind, LinkOptions, NetnsRef, VethEnd, VxlanOptions } from '../types.js';

const KIND: Readonly<Record<Link['kind'], KernelLinkKind>> = {
  loopback: 'loopback', veth: 'veth', bridge: 'bridge', vxlan: 'vxlan', dummy: 'dummy', uplink: 'other',
};

/**
 * Bridges whose address was set (`ip link add … address M type bridge` or `ip link set … address M`): Linux marks
 * them NET_ADDR_SET and br_stp_recalculate_bridge_id then leaves their MAC alone. Every other bridge takes the
 * lowest MAC among its ports whenever a port joins, leaves or changes address. Keyed by the link object, which
 * the Netns holds for the link's whole life.
 */
const macWasSet = new WeakSet<Link>();

/**
 * Link operations over src/net. New links start down, as `ip link add` leaves them; MACs derive from
 * "<netns>/<name>" so a rebuilt network prints the same tables.
 */
export class VirtualLinksNow implements SyncOps<LinkOps> {
  private readonly promisc = new Set<string>();

  constructor(
    private readonly net: Network,
    private readonly ns: (ref: NetnsRef) => Netns,
    /** Told of every interface deleted (either end of a veth), so per-interface state can go with it. */
    private readonly gone: (netns: string, dev: string) => void = () => undefined,
  ) {}

  addVeth(a: VethEnd, b: VethEnd, opts: LinkOptions & { readonly peerMtu?: number } = {}): void {
    const na = this.ns(a.netns);
    const nb = this.ns(b.netns);
    checkIfNameSeen(a.name);
    checkIfNameSeen(b.name);
    if (na.link(a.name) !== undefined || nb.link(b.name) !== undefined || (na === nb && a.name === b.name)) {
      throw new KernelError('exists', 'RTNETLINK answers: File exists');
    }
    const [la, lb] = this.net.addVethPair({ netns: na, name: a.name }, { netns: nb, name: b.name }, `${na.name}/${a.name}`);
    la.up = false;
    lb.up = false;
    la.mtu = opts.mtu ?? 1500;
    lb.mtu = opts.peerMtu ?? opts.mtu ?? 1500;
    if (opts.mac !== undefined) this.replaceMac(na, a.name, opts.mac);
  }

  addBridge(ref: NetnsRef, name: string, opts: LinkOptions = {}): void {
    const n = this.fresh(ref, name);
    const br = this.net.addBridge(n, name);
    br.up = false;
    br.mtu = opts.mtu ?? 1500;
    if (opts.mac !== undefined) {
      this.replaceMac(n, name, opts.mac);
      macWasSet.add(need(n, name));
    }
  }

  addVxlan(ref: NetnsRef, name: string, o: VxlanOptions): void {
    const n = this.fresh(ref, name);
    if (!Number.isInteger(o.vni) || o.vni < 0 || o.vni > 0xffffff) throw new KernelError('invalid', `Error: argument "${o.vni}" is wrong: invalid id`);
    let local: Ip4 = 0 as Ip4;
    if (o.local !== undefined) {
      try {
        local = parseIp4(o.local);
      } catch (e) {
        throw new KernelError('invalid', `Error: inet address is expected rather than "${o.local}".`, { cause: e });
      }
    }
    if (o.dev !== undefined && n.link(o.dev) === undefined) throw new KernelError('not-found', `Cannot find device "${o.dev}"`);
    const vx = this.net.addVxlan(n, { name, vni: o.vni, port: o.port, local, dev: o.dev ?? '', shared: false });
    vx.up = false;
    vx.mtu = o.mtu ?? 1450;
  }

  addDummy(ref: NetnsRef, name: string, opts: LinkOptions = {}): void {
    const n = this.fresh(ref, name);
    n.addLink({ kind: 'dummy', name, ifindex: n.allocIfindex(), mac: (opts.mac ?? macFromName(`${n.name}/${name}`)) as Mac, mtu: opts.mtu ?? 1500, up: false, addrs: [], master: undefined, hairpin: false });
  }

  setMaster(ref: NetnsRef, name: string, master: string | null): void {
    const n = this.ns(ref);
    const l = need(n, name);
    if (l.master !== undefined) detach(n, l);
    if (master === null) return;
    const br = need(n, master);
    if (br.kind !== 'bridge') throw new KernelError('invalid', `Error: Device "${master}" is not a bridge (RTNETLINK answers: Operation not supported)`);
    this.net.enslave(n, name, master, { hairpin: false });
    recalcBridgeMac(n, br);
  }

  setUp(ref: NetnsRef, name: string, up: boolean): void {
    need(this.ns(ref), name).up = up;
  }

  setMtu(ref: NetnsRef, name: string, mtu: number): void {
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw new KernelError('invalid', `Error: mtu less than device minimum or greater than maximum (${mtu}).`);
    need(this.ns(ref), name).mtu = mtu;
  }

  setHairpin(ref: NetnsRef, name: string, on: boolean): void {
    const l = need(this.ns(ref), name);
    if (l.master === undefined) throw new KernelError('invalid', `RTNETLINK answers: Operation not supported (${name} is not a bridge port)`);
    l.hairpin = on;
  }

  setPromisc(ref: NetnsRef, name: string, on: boolean): void {
    const n = this.ns(ref);
    need(n, name);
    if (on) this.promisc.add(`${n.name}\0${name}`);
    else this.promisc.delete(`${n.name}\0${name}`);
  }

  setMac(ref: NetnsRef, name: string, mac: string): void {
    const n = this.ns(ref);
    const l = need(n, name);
    if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw new KernelError('invalid', `"${mac}" is invalid lladdr.`);
    // A group (multicast) address is refused by eth_prepare_mac_addr_change (is_valid_ether_addr).
    if ((parseInt(mac.slice(0, 2), 16) & 1) === 1 || /^(00:){5}00$/.test(mac)) throw new KernelError('invalid', 'RTNETLINK answers: Cannot assign requested address');
    if (l.kind === 'loopback') throw new KernelError('invalid', 'RTNETLINK answers: Operation not supported');
    const m = mac.toLowerCase() as Mac;
    setLinkMac(l, m);
    if (l.kind === 'bridge') macWasSet.add(l);
    const br = l.master === undefined ? undefined : n.link(l.master);
    if (br?.kind === 'bridge') {
      // br_fdb_changeaddr moves the port's local entry to the new address (learned entries on the port go too here).
      br.fdb.removePort(name);
      br.fdb.addPermanent(m, name);
      recalcBridgeMac(n, br);
    }
  }

  del(ref: NetnsRef, name: string): void {
    const n = this.ns(ref);
    const l = need(n, name);
    if (l.kind === 'loopback') throw new KernelError('invalid', 'RTNETLINK answers: Operation not supported');
    if (l.master !== undefined) detach(n, l);
    if (l.kind === 'bridge') for (const p of l.ports) { const pl = n.link(p); if (pl !== undefined) pl.master = undefined; }
    n.removeLink(name);
    if (this.promisc.size > 0) this.promisc.delete(`${n.name}\0${name}`);
    this.gone(n.name, name);
    if (l.kind === 'veth') VirtualLinksNow.dropPeer(this.net, l, this.gone);
  }

  get(ref: NetnsRef, name: string): KernelLink | undefined {
    const n = this.ns(ref);
    const l = n.link(name);
    return l === undefined ? undefined : this.out(n, l);
  }

  list(ref: NetnsRef): KernelLink[] {
    const n = this.ns(ref);
    return [...n.links.values()].sort((a, b) => a.ifindex - b.ifindex).map((l) => this.out(n, l));
  }

  /** A veth's other end goes with it, wherever it is. */
  static dropPeer(net: Network, l: VethLink, gone: (netns: string, dev: string) => void = () => undefined): void {
    const pn = net.netns.get(l.peer.netns);
    const p = pn?.link(l.peer.name);
    if (pn === undefined || p === undefined) return;
    if (p.master !== undefined) detach(pn, p);
    pn.removeLink(p.name);
    gone(pn.name, p.name);
  }

  /** Built by assignment rather than spreads: bridge ADD reads about ten links, and this ran for each. */
  private out(n: Netns, l: Link): KernelLink {
    const o: { -readonly [K in keyof KernelLink]: KernelLink[K] } = {
      name: l.name, ifindex: l.ifindex, kind: KIND[l.kind], mac: l.mac, mtu: l.mtu, up: l.up,
      promisc: this.promisc.size > 0 && this.promisc.has(`${n.name}\0${l.name}`),
    };
    if (l.master !== undefined) { o.master = l.master; o.hairpin = l.hairpin; }
    if (l.kind === 'veth') o.peer = { netns: l.peer.netns, name: l.peer.name };
    if (l.kind === 'vxlan') o.vxlan = { vni: l.vni, port: l.port, ...(l.local === 0 ? {} : { local: ipText(l.local) }), ...(l.dev === '' ? {} : { dev: l.dev }) };
    return o;
  }

  private fresh(ref: NetnsRef, name: string): Netns {
    const n = this.ns(ref);
    checkIfNameSeen(name);
    if (n.link(name) !== undefined) throw new KernelError('exists', 'RTNETLINK answers: File exists');
    return n;
  }

  private replaceMac(n: Netns, name: string, mac: string): void {
    const l = need(n, name);
    n.links.set(name, { ...l, mac: mac.toLowerCase() as Mac } as Link);
  }
}

function need(n: Netns, name: string): Link {
  const l = n.link(name);
  if (l === undefined) throw new KernelError('not-found', `Cannot find device "${name}"`);
  return l;
}

function detach(n: Netns, l: Link): void {
  const br = l.master === undefined ? undefined : n.link(l.master);
  l.master = undefined;
  l.hairpin = false;
  if (br?.kind === 'bridge') {
    br.ports.delete(l.name);
    br.fdb.removePort(l.name);
    recalcBridgeMac(n, br);
  }
}

/**
 * br_stp_recalculate_bridge_id: unless its address was set, a bridge takes the lowest MAC among its ports; with no
 * port left it keeps the one it has. (MACs print as fixed-width lowercase hex, so string order is numeric order.)
 */
function recalcBridgeMac(n: Netns, br: Link): void {
  if (br.kind !== 'bridge' || macWasSet.has(br)) return;
  let lowest: Mac | undefined;
  for (const p of br.ports) {
    const m = n.link(p)?.mac;
    if (m !== undefined && (lowest === undefined || m < lowest)) lowest = m;
  }
  if (lowest !== undefined) setLinkMac(br, lowest);
}

/** Changes a link's MAC in place: the datapath and other holders of the link object read it from there. */
function setLinkMac(l: Link, mac: Mac): void {
  (l as { mac: Mac }).mac = mac;
}

function ipText(ip: number): string {
  return `${(ip >>> 24) & 255}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** LinkOps over VirtualLinksNow: each operation's answer (or failure) through a promise. */
export class VirtualLinks implements LinkOps {
  constructor(private readonly now: VirtualLinksNow) {}
  async addVeth(a: VethEnd, b: VethEnd, opts?: LinkOptions & { readonly peerMtu?: number }): Promise<void> { this.now.addVeth(a, b, opts); }
  async addBridge(ref: NetnsRef, name: string, opts?: LinkOptions): Promise<void> { this.now.addBridge(ref, name, opts); }
  async addVxlan(ref: NetnsRef, name: string, o: VxlanOptions): Promise<void> { this.now.addVxlan(ref, name, o); }
  async addDummy(ref: NetnsRef, name: string, opts?: LinkOptions): Promise<void> { this.now.addDummy(ref, name, opts); }
  async setMaster(ref: NetnsRef, name: string, master: string | null): Promise<void> { this.now.setMaster(ref, name, master); }
  async setUp(ref: NetnsRef, name: string, up: boolean): Promise<void> { this.now.setUp(ref, name, up); }
  async setMtu(ref: NetnsRef, name: string, mtu: number): Promise<void> { this.now.setMtu(ref, name, mtu); }
  async setHairpin(ref: NetnsRef, name: string, on: boolean): Promise<void> { this.now.setHairpin(ref, name, on); }
  async setPromisc(ref: NetnsRef, name: string, on: boolean): Promise<void> { this.now.setPromisc(ref, name, on); }
  async setMac(ref: NetnsRef, name: string, mac: string): Promise<void> { this.now.setMac(ref, name, mac); }
  async del(ref: NetnsRef, name: string): Promise<void> { this.now.del(ref, name); }
  async get(ref: NetnsRef, name: string): Promise<KernelLink | undefined> { return this.now.get(ref, name); }
  async list(ref: NetnsRef): Promise<KernelLink[]> { return this.now.list(ref); }
}
