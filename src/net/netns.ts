import { type Cidr4, type IfAddr, type Ip4, ifAddrSubnet, isLoopback, prefixMask } from '../addr/index.js';
import { bumpTopology, topologyGeneration } from './generation.js';
import { type AddrType, type Hook, type HookHandler, type HostView, hookIndex } from './hooks.js';
import { InternedLists } from './interned-lists.js';
import type { Link, VxlanLink } from './link.js';
import { LinkTable, type LinkTableOwner } from './link-table.js';
import { LocalAddrIndex } from './local-addrs.js';
import type { NetfilterHooks } from './netfilter/handler.js';
import { NeighTable } from './neigh.js';
import type { Route } from './route.js';
import { RouteTable } from './route-table.js';

/** Who a namespace belongs to: traces report deliveries and hops by it. */
export type NetnsOwner =
  | { readonly kind: 'node'; readonly node: string }
  | { readonly kind: 'pod'; readonly node: string; readonly pod: string }
  | { readonly kind: 'external'; readonly name: string };

/** The sysctls the datapath reads; set explicitly on every namespace, never inherited. */
export interface Sysctls {
  /** net.ipv4.ip_forward */
  ipForward: boolean;
  /** net.bridge.bridge-nf-call-iptables: bridged IPv4 frames traverse iptables (br_netfilter). */
  bridgeNfCallIptables: boolean;
  /** net.ipv4.conf.all.route_localnet: 127/8 may be routed (kube-proxy sets it for localhost NodePorts). */
  routeLocalnet: boolean;
}

const EMPTY: readonly HookHandler[] = [];
/**
 * The hook table of a namespace with no handlers: one shared array, copied on the first registration. A pod's
 * namespace registers none, and a trace asks each it crosses for four hooks' handlers: one array kept hot in cache
 * instead of one per namespace of a 150,000-pod cluster.
 */
const NO_HOOKS: readonly (readonly HookHandler[])[] = [EMPTY, EMPTY, EMPTY, EMPTY, EMPTY];

/** Equal handler lists, and equal tables of them, are one array across namespaces (see InternedLists). */
const HANDLER_LISTS = new InternedLists<HookHandler>();
const HOOK_TABLES = new InternedLists<readonly HookHandler[]>();
HANDLER_LISTS.intern(EMPTY);
HOOK_TABLES.intern(NO_HOOKS);
/** How many local addresses localDev answers from the namespace object itself (a pod holds lo's and eth0's). */
const INLINE_LOCALS = 3;

/**
 * A network namespace: links, addresses, the local and main routing tables, the ARP cache,
 * sysctls and the handlers registered at the netfilter hooks.
 */
export class Netns implements HostView, LinkTableOwner {
  // Fields a trace reads come first, so a namespace's first cache lines hold them (hooks, routes, addresses, links).
  /**
   * Handlers by hookIndex, in priority order. An array, not a record by hook name: a record read with five different
   * names is a megamorphic keyed load, and every hook of every trace asks for its handlers.
   */
  private hooks: readonly (readonly HookHandler[])[] = NO_HOOKS;
  /**
   * The netfilter whose shared handlers are registered here (Netfilter.installShared): handlers shared by every
   * namespace with the same rules find this namespace's own netfilter (conntrack, path state) through it.
   */
  netfilter: NetfilterHooks | undefined = undefined;
  /** `ip route show table main`. */
  readonly main: RouteTable;
  /**
   * The local addresses (localAddrs, below), inline while there are at most INLINE_LOCALS of them (localDevN
   * undefined: slot N unused): every hop asks whether a packet is local, and a random trace finds the namespace's
   * Map cold in memory, the namespace object itself already loaded. Rewritten by syncLocals after every change; while
   * localsInline, these slots are the only copy (localAddrs is undefined).
   */
  private local0 = 0;
  private local1 = 0;
  private local2 = 0;
  private localDev0: string | undefined = undefined;
  private localDev1: string | undefined = undefined;
  private localDev2: string | undefined = undefined;
  private localsInline = true;
  /**
   * localDev's last answer past the inline slots (lastLocalDev undefined: not local), reset by syncLocals. A trace
   * asks about the same destination at several hooks (routing, `-m addrtype`, IPVS's reroute), and with 10,000
   * ClusterIPs bound to kube-ipvs0 each ask was a probe of a large, cold Map.
   */
  private lastLocalKey = 0;
  private lastLocalDev: string | undefined = undefined;
  private lastLocalValid = false;
  /**
   * localAddrs for the packet path (see LocalAddrIndex), made on first use after a change while the addresses are not
   * inline; undefined: not made. A trace asks about addresses that are not local too (a Service's endpoint after
   * IPVS's DNAT), and with 10,000 ClusterIPs on kube-ipvs0 each ask, local or not, was a miss in a large, cold Map.
   */
  private localIndex: LocalAddrIndex | undefined = undefined;
  /**
   * link()'s cache: three answers ('' : an empty slot; no link has an empty name), kept exact by linkChanged (the
   * links table tells of every change), which also puts the link written last in: a pod's eth0 is answered without a
   * probe of its Map. A hit moves one slot forward and a miss takes the last slot, so the names a node is asked for
   * on every visit (cni0, eth0) stay while the veth ports, one per pod, pass through the last slot: with the last two
   * answers kept instead, each veth lookup pushed cni0 or eth0 out, and half the lookups on a node missed.
   */
  private name0 = '';
  private link0: Link | undefined = undefined;
  private name1 = '';
  private link1: Link | undefined = undefined;
  private name2 = '';
  private link2: Link | undefined = undefined;
  /** The node this namespace is on (pods and the node's root namespace), or null for external hosts. */
  readonly node: string | null;
  readonly sysctl: Sysctls;
  /**
   * By name; a VersionedMap, so a link added, removed or replaced (even by a direct `links.set`) is seen by cached
   * resolutions, which tells this namespace of every change (see linkChanged).
   */
  readonly links: Map<string, Link> = new LinkTable(this);
  readonly neigh: NeighTable;
  /**
   * Every local address → the device holding it (the kernel's local table, by address), when there are more than
   * INLINE_LOCALS of them; undefined while the inline slots (local0…) hold them all, as in every pod's namespace (lo's
   * and eth0's): a Map kept for two entries was some 180 bytes a pod. Keyed by the address as a signed 32-bit integer
   * (`ip | 0`): an address from 128.0.0.0 up is not a small integer as an unsigned number, and a Map keyed by heap
   * numbers hashes a boxed double on every lookup (every hop asks whether a packet is local).
   */
  private localAddrs: Map<number, string> | undefined = undefined;
  /** Broadcast address → device (keyed as localAddrs); rebuilt on first use after any address change. */
  private broadcasts: Map<number, string> | undefined;
  /**
   * The host bits every broadcast address in `broadcasts` has set (the AND of their subnets' host masks, as a signed
   * 32-bit value; all ones when there is none), made with the Map. An address without all of them set is no subnet's
   * broadcast address: `-m addrtype` asks about a random destination at every node, and most are answered without
   * probing the Map, cold in a large cluster.
   */
  private broadcastHostBits = -1;
  /** VXLAN UDP port → device name, the first such device in link order; rebuilt after links come or go. */
  private vxlanPorts: Map<number, string> | undefined;
  /**
   * vxlanOnPort's last answer, valid at its topology generation: every VXLAN packet a node receives asks for the same
   * port, and the answer took two lookups in Maps cold in a large cluster (the port's device name, then the link).
   */
  private vxlanLast: { readonly at: number; readonly port: number; readonly link: VxlanLink | undefined } | undefined;
  /** What this namespace's hook handlers may ask of it; one object for all hooks. */
  readonly host: HostView;
  private nextIfindex = 1;

  constructor(
    readonly name: string,
    readonly owner: NetnsOwner,
    opts: { main?: RouteTable; neigh?: NeighTable; sysctl?: Partial<Sysctls> } = {},
  ) {
    this.main = opts.main ?? new RouteTable('main');
    this.neigh = opts.neigh ?? new NeighTable();
    this.sysctl = { ipForward: false, bridgeNfCallIptables: false, routeLocalnet: false, ...opts.sysctl };
    this.node = owner.kind === 'external' ? null : owner.node;
    // The namespace answers the hooks' questions itself: no view object and closures per namespace
    // (a 150,000-pod cluster has as many namespaces).
    this.host = this;
  }

  /** HostView's name for this namespace. */
  get netns(): string {
    return this.name;
  }

  allocIfindex(): number {
    return this.nextIfindex++;
  }

  addLink(link: Link): void {
    if (this.links.has(link.name)) throw new Error(`${this.name}: link ${link.name} exists`);
    this.links.set(link.name, link);
    this.vxlanPorts = undefined;
    for (const a of link.addrs) this.indexAddr(link.name, a);
  }

  /**
   * The link named `name`, answered from the namespace object while it is cached (see name0): a trace finds the
   * links Map cold in memory in a large cluster, the namespace object itself already loaded.
   */
  link(name: string): Link | undefined {
    if (name === this.name0) return this.link0;
    if (name === this.name1) {
      const l = this.link1;
      this.name1 = this.name0;
      this.link1 = this.link0;
      this.name0 = name;
      this.link0 = l;
      return l;
    }
    if (name === this.name2) {
      const l = this.link2;
      this.name2 = this.name1;
      this.link2 = this.link1;
      this.name1 = name;
      this.link1 = l;
      return l;
    }
    const l = this.links.get(name);
    this.name2 = name;
    this.link2 = l;
    return l;
  }

  /** LinkTableOwner: `name` now resolves to `link`; link()'s answers stay exact, and the new one is kept. */
  linkChanged(name: string, link: Link | undefined): void {
    if (name === this.name0) this.link0 = link;
    else if (name === this.name1) this.link1 = link;
    else {
      this.name2 = name;
      this.link2 = link;
    }
  }

  /**
   * The VXLAN device whose UDP port is `port` (the kernel's vxlan socket lookup on receive), if any. Indexed by
   * name, so a device object replaced in place (a MAC change) is still found; a stale entry falls back to a scan.
   */
  vxlanOnPort(port: number): VxlanLink | undefined {
    const g = topologyGeneration();
    const last = this.vxlanLast;
    if (last !== undefined && last.at === g && last.port === port) return last.link;
    const link = this.findVxlan(port);
    this.vxlanLast = { at: g, port, link };
    return link;
  }

  private findVxlan(port: number): VxlanLink | undefined {
    const name = this.vxlanPorts?.get(port);
    const hit = name === undefined ? undefined : this.links.get(name);
    if (hit?.kind === 'vxlan' && hit.port === port) return hit;
    if (this.vxlanPorts !== undefined && name === undefined) return undefined;
    const m = new Map<number, string>();
    let found: VxlanLink | undefined;
    for (const l of this.links.values()) {
      if (l.kind !== 'vxlan') continue;
      if (!m.has(l.port)) m.set(l.port, l.name);
      if (found === undefined && l.port === port) found = l;
    }
    this.vxlanPorts = m;
    return found;
  }

  /** `ip addr add`: also installs the connected route, as the kernel does for a /N address. */
  addAddr(dev: string, a: IfAddr, opts: { noPrefixRoute?: boolean } = {}): void {
    const link = this.links.get(dev);
    if (link === undefined) throw new Error(`${this.name}: no link ${dev}`);
    link.addrs = link.addrs.concat([a]);
    bumpTopology();
    this.indexAddr(dev, a);
    if (a.prefix < 32 && opts.noPrefixRoute !== true && !isLoopback(a.ip)) {
      const dst = ifAddrSubnet(a);
      if (this.main.get(dst) === undefined) {
        this.main.add({ dst, type: 'unicast', dev, proto: 'kernel', scope: 'link', src: a.ip });
      }
    }
  }

  /**
   * `ip link del`: the link goes with its addresses and every route through it, as the kernel flushes them
   * (fib_sync_down_dev). The caller handles a veth's peer and bridge ports.
   */
  removeLink(name: string): Link | undefined {
    const link = this.links.get(name);
    if (link === undefined) return undefined;
    this.links.delete(name);
    this.broadcasts = undefined;
    this.vxlanPorts = undefined;
    const locals = this.localsMap();
    for (const a of link.addrs) if (locals.get(a.ip | 0) === name) locals.delete(a.ip | 0);
    this.syncLocals();
    for (const r of [...this.main.routes()]) {
      if (r.dev === name || r.nexthops?.some((h) => h.dev === name) === true) this.main.delete(r.dst);
    }
    return link;
  }

  /** `ip addr del`: also removes the connected route the address brought (its prefix via this device). */
  delAddr(dev: string, a: IfAddr): boolean {
    const link = this.links.get(dev);
    const i = link?.addrs.findIndex((x) => x.ip === a.ip && x.prefix === a.prefix) ?? -1;
    if (link === undefined || i < 0) return false;
    link.addrs.splice(i, 1);
    bumpTopology();
    this.broadcasts = undefined;
    const locals = this.localsMap();
    if (locals.get(a.ip | 0) === dev) locals.delete(a.ip | 0);
    this.syncLocals();
    const dst = ifAddrSubnet(a);
    const r = this.main.get(dst);
    if (r !== undefined && r.dev === dev && r.proto === 'kernel' && r.src === a.ip) this.main.delete(dst);
    return true;
  }

  addRoute(r: Route): void {
    this.main.add(r);
  }

  /** The device that holds `ip` as a local address, if any. 127/8 is local via lo. */
  localDev(ip: Ip4): string | undefined {
    const k = ip | 0;
    let d: string | undefined;
    if (this.localsInline) {
      if (k === this.local0) d = this.localDev0;
      else if (k === this.local1) d = this.localDev1;
      else if (k === this.local2) d = this.localDev2;
    } else if (this.lastLocalValid && k === this.lastLocalKey) {
      d = this.lastLocalDev;
    } else {
      d = (this.localIndex ??= new LocalAddrIndex(this.localsMap())).get(k);
      this.lastLocalKey = k;
      this.lastLocalDev = d;
      this.lastLocalValid = true;
    }
    if (d !== undefined) return d;
    return isLoopback(ip) && this.links.has('lo') ? 'lo' : undefined;
  }

  isLocal(ip: Ip4): boolean {
    return this.localDev(ip) !== undefined;
  }

  /**
   * `-m addrtype`, as inet_dev_addr_type classifies: 0.0.0.0 and 255.255.255.255 BROADCAST,
   * 224/4 MULTICAST, then a lookup in the local table only (the main table is not consulted):
   * LOCAL for the namespace's own addresses (on that device when `dev` limits it, as
   * --limit-iface-in does; on another device the answer is UNICAST), BROADCAST for a subnet's
   * broadcast address, UNICAST for everything else.
   */
  addrType(ip: Ip4, dev?: string): AddrType {
    if (ip === 0 || ip === 0xffffffff) return 'BROADCAST';
    if (ip >>> 28 === 14) return 'MULTICAST';
    const ld = this.localDev(ip);
    if (ld !== undefined) return dev === undefined || ld === dev ? 'LOCAL' : 'UNICAST';
    const b = this.broadcastDev(ip);
    if (b !== undefined) return dev === undefined || b === dev ? 'BROADCAST' : 'UNICAST';
    return 'UNICAST';
  }

  /** The device whose subnet has `ip` as its broadcast address (the local table's `broadcast` routes). */
  private broadcastDev(ip: Ip4): string | undefined {
    if (this.broadcasts === undefined) {
      const m = new Map<number, string>();
      let hostBits = -1;
      for (const link of this.links.values()) {
        for (const a of link.addrs) {
          if (a.prefix >= 31 || isLoopback(a.ip)) continue;
          m.set(ifAddrSubnet(a).broadcast | 0, link.name);
          hostBits &= ~prefixMask(a.prefix);
        }
      }
      this.broadcasts = m;
      this.broadcastHostBits = hostBits;
    }
    const k = ip | 0;
    if ((k & this.broadcastHostBits) !== this.broadcastHostBits) return undefined;
    return this.broadcasts.get(k);
  }

  primaryAddress(dev: string): Ip4 | undefined {
    return this.links.get(dev)?.addrs[0]?.ip;
  }

  /** The source address the kernel picks for `dst`: the route's `src`, else the primary address of its device. */
  sourceAddressFor(dst: Ip4): Ip4 | undefined {
    if (this.isLocal(dst)) return dst;
    const r = this.main.lookup(dst);
    if (r === undefined) return undefined;
    if (r.src !== undefined) return r.src;
    const dev = r.dev ?? r.nexthops?.[0]?.dev;
    return dev === undefined ? undefined : this.primaryAddress(dev);
  }

  /** Subnets directly connected to `dev`. */
  connected(dev: string): Cidr4[] {
    return (this.links.get(dev)?.addrs ?? []).map(ifAddrSubnet);
  }

  registerHook(hook: Hook, handler: HookHandler): void {
    const i = hookIndex(hook);
    const list = (this.hooks[i] ?? EMPTY).filter((h) => h.name !== handler.name);
    list.push(handler);
    list.sort((a, b) => a.priority - b.priority);
    this.setHandlers(i, list);
  }

  unregisterHook(hook: Hook, name: string): void {
    const i = hookIndex(hook);
    this.setHandlers(i, (this.hooks[i] ?? EMPTY).filter((h) => h.name !== name));
  }

  /** Copy on write: the table may be the shared NO_HOOKS. */
  private setHandlers(i: number, list: readonly HookHandler[]): void {
    const next = [...this.hooks];
    next[i] = HANDLER_LISTS.intern(list);
    this.hooks = HOOK_TABLES.intern(next);
  }

  handlers(hook: Hook): readonly HookHandler[] {
    return this.hooks[hookIndex(hook)] ?? EMPTY;
  }

  private indexAddr(dev: string, a: IfAddr): void {
    this.broadcasts = undefined;
    this.localsMap().set(a.ip | 0, dev);
    this.syncLocals();
  }

  /** The local addresses as a Map to change (made from the inline slots, in their order, when they hold them all). */
  private localsMap(): Map<number, string> {
    if (this.localAddrs !== undefined) return this.localAddrs;
    const m = new Map<number, string>();
    if (this.localDev0 !== undefined) m.set(this.local0, this.localDev0);
    if (this.localDev1 !== undefined) m.set(this.local1, this.localDev1);
    if (this.localDev2 !== undefined) m.set(this.local2, this.localDev2);
    this.localAddrs = m;
    return m;
  }

  /** After a change made through localsMap(): rewrites the inline slots (see local0), which keep them alone if they can. */
  private syncLocals(): void {
    const m = this.localsMap();
    this.localsInline = m.size <= INLINE_LOCALS;
    this.lastLocalValid = false;
    this.localIndex = undefined;
    this.localDev0 = this.localDev1 = this.localDev2 = undefined;
    if (!this.localsInline) return;
    this.localAddrs = undefined;
    let i = 0;
    for (const [k, d] of m) {
      if (i === 0) {
        this.local0 = k;
        this.localDev0 = d;
      } else if (i === 1) {
        this.local1 = k;
        this.localDev1 = d;
      } else {
        this.local2 = k;
        this.localDev2 = d;
      }
      i++;
    }
  }
}

