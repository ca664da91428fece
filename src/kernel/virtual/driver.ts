import { canonicalCidr4, canonicalIfAddr, canonicalIp4, Cidr4, type IfAddr, type Ip4, ip4ToString, parseIfAddr, parseIp4, type Mac } from '../../addr/index.js';
import type { Link, Netns, Network, Route } from '../../net/index.js';
import { KernelError } from '../errors.js';
import type { AddrOps, FdbOps, IptablesOps, Kernel, LinkOps, NeighOps, NetnsOps, RouteOps, SysctlOps } from '../kernel.js';
import { netnsNameOf } from '../names.js';
import { checkIfNameSeen } from './if-name.js';
import type { KernelAddr, KernelFdb, KernelLink, KernelNeigh, KernelRoute, NetnsRef, RouteSpec } from '../types.js';
import { VirtualLinks, VirtualLinksNow } from './links.js';
import { SysctlStore } from './sysctl-map.js';

/** An operations interface answering synchronously: each method returns what the async one resolves to. */
export type SyncOps<O> = {
  readonly [P in keyof O]: O[P] extends (...a: infer A) => Promise<infer R> ? (...a: A) => R : never;
};

/** The virtual kernel's operations, synchronous (VirtualKernel.now): every group of Kernel's, answering at once. */
export type KernelNow = { readonly [G in Exclude<keyof Kernel, 'kind'>]: SyncOps<Kernel[G]> };

/** The part of net/netfilter's `Netfilter` the driver needs (injected, so kernel/ does not own the datapath's state). */
export interface VirtualIptables {
  iptablesRestore(text: string, opts?: { noflush?: boolean }): void;
  iptablesSave(): string;
}

export interface VirtualKernelOptions {
  /** The namespace a plugin "runs in" (the node's root namespace): what NetnsRef '' means. */
  readonly host: string;
  /** Each namespace's netfilter; without it iptables operations reject as 'unsupported'. */
  readonly netfilter?: (netns: string) => VirtualIptables;
}

/**
 * The Kernel over src/net: every operation changes the modelled Network, synchronously underneath, with the real
 * tools' failure texts. Namespace references: '' is `host`; `/run/netns/<name>` and `<name>` name a Netns (names may
 * hold "/", as the cluster's "pod/default/web" do). IPv4 only, like src/net: IPv6 addresses and routes reject as
 * 'unsupported'.
 */
export class VirtualKernel implements Kernel {
  readonly kind = 'virtual' as const;
  readonly netns: NetnsOps;
  readonly link: LinkOps;
  readonly addr: AddrOps;
  readonly route: RouteOps;
  readonly neigh: NeighOps;
  readonly fdb: FdbOps;
  readonly sysctl: SysctlOps;
  readonly iptables: IptablesOps;
  private readonly sysctls = new SysctlStore();

  /**
   * The same operations answering synchronously (what the async ones resolve to; a failure is thrown, not a rejected
   * promise). In-process plugins that can run without awaiting take this path: the virtual kernel never waits, so an
   * await per operation only cost a promise and a trip through the microtask queue.
   */
  readonly now: KernelNow;

  constructor(readonly network: Network, private readonly opts: VirtualKernelOptions) {
    const ns = (ref: NetnsRef): Netns => this.resolve(ref);
    const netns: SyncOps<NetnsOps> = {
      add: (name) => {
        if (this.network.netns.has(name)) throw new KernelError('exists', `Cannot create namespace file "/run/netns/${name}": File exists`);
        this.network.addNetns(name, { kind: 'external', name });
      },
      del: (name) => {
        const n = this.network.netns.get(name);
        if (n === undefined) throw new KernelError('not-found', `Cannot remove namespace file "/run/netns/${name}": No such file or directory`);
        // Deleting a namespace destroys its veths, and so their peers elsewhere.
        for (const l of [...n.links.values()]) if (l.kind === 'veth') VirtualLinksNow.dropPeer(this.network, l, (pns, dev) => this.sysctls.forgetInterface(pns, dev));
        this.network.netns.delete(name);
        this.sysctls.forget(name);
      },
      exists: (ref) => this.tryResolve(ref) !== undefined,
      list: () => [...this.network.netns.keys()].sort(),
    };
    const link = new VirtualLinksNow(this.network, ns, (n, dev) => this.sysctls.forgetInterface(n, dev));
    const addr: SyncOps<AddrOps> = {
      add: (r, dev, cidr) => {
        const n = ns(r);
        const a = v4Addr(cidr);
        const l = needLink(n, dev);
        if (l.addrs.some((x) => x.ip === a.ip)) throw new KernelError('exists', 'RTNETLINK answers: File exists');
        n.addAddr(dev, a);
      },
      del: (r, dev, cidr) => {
        if (!ns(r).delAddr(dev, v4Addr(cidr))) throw new KernelError('not-found', 'RTNETLINK answers: Cannot assign requested address');
      },
      list: (r, dev) => {
        const out: KernelAddr[] = [];
        for (const l of ns(r).links.values()) {
          if (dev !== undefined && l.name !== dev) continue;
          for (const a of l.addrs) out.push({ dev: l.name, cidr: `${ip4ToString(a.ip)}/${a.prefix}`, family: 4 });
        }
        return out;
      },
    };
    const route: SyncOps<RouteOps> = {
      add: (r, spec) => addRoute(ns(r), spec, false),
      replace: (r, spec) => addRoute(ns(r), spec, true),
      del: (r, spec) => {
        const n = ns(r);
        const dst = v4Cidr(spec.dst);
        const cur = n.main.get(dst);
        const gw = spec.gw === undefined ? undefined : v4Ip(spec.gw);
        if (cur === undefined || (spec.dev !== undefined && cur.dev !== spec.dev) || (gw !== undefined && cur.gateway !== gw)) {
          throw new KernelError('not-found', 'RTNETLINK answers: No such process');
        }
        n.main.delete(dst);
      },
      list: (r) => [...ns(r).main.routes()].map(routeOut).sort((a, b) => a.dst.localeCompare(b.dst)),
    };
    const neigh: SyncOps<NeighOps> = {
      replace: (r, e) => {
        const n = ns(r);
        needLink(n, e.dev);
        n.neigh.set({ ip: v4Ip(e.ip), dev: e.dev, mac: e.mac.toLowerCase() as Mac, state: 'PERMANENT' });
      },
      list: (r) => [...ns(r).neigh.entries()].map((e): KernelNeigh => ({ ip: ip4ToString(e.ip), dev: e.dev, mac: e.mac, permanent: e.state === 'PERMANENT' })),
    };
    const fdb: SyncOps<FdbOps> = {
      append: (r, e) => {
        const n = ns(r);
        const l = needLink(n, e.dev);
        const mac = e.mac.toLowerCase() as Mac;
        if (l.kind === 'vxlan' && e.dst !== undefined) {
          const f = l.vtepFdb as { set?: (m: Mac, ip: Ip4) => void };
          if (f.set === undefined) throw new KernelError('unsupported', `${e.dev}: this VXLAN device's FDB is read-only`);
          f.set(mac, v4Ip(e.dst));
          return;
        }
        const br = l.master === undefined ? undefined : n.link(l.master);
        if (br?.kind !== 'bridge') throw new KernelError('invalid', `RTNETLINK answers: Invalid argument (${e.dev} is not a bridge port)`);
        br.fdb.addPermanent(mac, e.dev);
      },
      list: (r) => {
        const out: KernelFdb[] = [];
        for (const l of ns(r).links.values()) {
          if (l.kind === 'bridge') for (const f of l.fdb.entries()) out.push({ mac: f.mac, dev: f.port, master: l.name, permanent: f.permanent });
          if (l.kind === 'vxlan') for (const [mac, ip] of l.vtepFdb.entries()) out.push({ mac, dev: l.name, dst: ip4ToString(ip), permanent: true });
        }
        return out;
      },
    };
    const sysctl: SyncOps<SysctlOps> = {
      get: (r, key) => this.sysctls.get(ns(r), key),
      set: (r, key, value) => this.sysctls.set(ns(r), key, value),
    };
    const iptables: SyncOps<IptablesOps> = {
      restore: (r, text, o = {}) => {
        const nf = this.nf(ns(r));
        try {
          nf.iptablesRestore(text, o.noflush === true ? { noflush: true } : {});
        } catch (e) {
          throw new KernelError('command-failed', `iptables-restore: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
      },
      save: (r, table) => {
        const text = this.nf(ns(r)).iptablesSave();
        return table === undefined ? text : onlyTable(text, table);
      },
    };
    this.now = { netns, link, addr, route, neigh, fdb, sysctl, iptables };
    // The Kernel interface: the same operations, each answering through a promise (a throw becomes a rejection).
    this.netns = {
      add: async (name) => netns.add(name),
      del: async (name) => netns.del(name),
      exists: async (ref) => netns.exists(ref),
      list: async () => netns.list(),
    };
    this.link = new VirtualLinks(link);
    this.addr = {
      add: async (r, dev, cidr) => addr.add(r, dev, cidr),
      del: async (r, dev, cidr) => addr.del(r, dev, cidr),
      list: async (r, dev) => addr.list(r, dev),
    };
    this.route = {
      add: async (r, spec) => route.add(r, spec),
      replace: async (r, spec) => route.replace(r, spec),
      del: async (r, spec) => route.del(r, spec),
      list: async (r) => route.list(r),
    };
    this.neigh = {
      replace: async (r, e) => neigh.replace(r, e),
      list: async (r) => neigh.list(r),
    };
    this.fdb = {
      append: async (r, e) => fdb.append(r, e),
      list: async (r) => fdb.list(r),
    };
    this.sysctl = {
      get: async (r, key) => sysctl.get(r, key),
      set: async (r, key, value) => sysctl.set(r, key, value),
    };
    this.iptables = {
      restore: async (r, text, o) => iptables.restore(r, text, o),
      save: async (r, table) => iptables.save(r, table),
    };
  }

  /** The Netns a reference names; 'no-netns' with the text Go plugins print when it does not exist. */
  resolve(ref: NetnsRef): Netns {
    const n = this.tryResolve(ref);
    if (n === undefined) throw new KernelError('no-netns', `failed to Statfs "${ref}": no such file or directory`);
    return n;
  }

  /** The last namespace reference resolved and its name: a CNI ADD resolves the same CNI_NETNS a dozen times. */
  private lastRef: NetnsRef | undefined;
  private lastName = '';

  private tryResolve(ref: NetnsRef): Netns | undefined {
    if (ref === '') return this.network.netns.get(this.opts.host);
    // The name is only a function of the reference text; the namespace itself is looked up each time (it may be gone).
    if (ref !== this.lastRef) {
      this.lastName = netnsNameOf(ref) ?? ref;
      this.lastRef = ref;
    }
    return this.network.netns.get(this.lastName);
  }

  private nf(n: Netns): VirtualIptables {
    if (this.opts.netfilter === undefined) throw new KernelError('unsupported', 'iptables: this VirtualKernel has no netfilter provider');
    return this.opts.netfilter(n.name);
  }
}

function needLink(n: Netns, dev: string): Link {
  const l = n.link(dev);
  if (l === undefined) throw new KernelError('not-found', `Cannot find device "${dev}"`);
  return l;
}

function v6(text: string): never {
  throw new KernelError('unsupported', `IPv6 is not modelled by the virtual kernel: ${text}`);
}

export function v4Addr(cidr: string): IfAddr {
  const fast = canonicalIfAddr(cidr);
  if (fast !== undefined) return fast;
  if (cidr.includes(':')) v6(cidr);
  try {
    return parseIfAddr(cidr);
  } catch (e) {
    throw new KernelError('invalid', `Error: any valid prefix is expected rather than "${cidr}".`, { cause: e });
  }
}

function v4Ip(text: string): Ip4 {
  const fast = canonicalIp4(text);
  if (fast !== undefined) return fast;
  if (text.includes(':')) v6(text);
  try {
    return parseIp4(text);
  } catch (e) {
    throw new KernelError('invalid', `Error: inet address is expected rather than "${text}".`, { cause: e });
  }
}

function v4Cidr(text: string): Cidr4 {
  if (text.includes(':')) v6(text);
  const t = text === 'default' ? '0.0.0.0/0' : text.includes('/') ? text : `${text}/32`;
  const fast = canonicalCidr4(t);
  if (fast !== undefined) return fast;
  try {
    return Cidr4.parse(t);
  } catch (e) {
    throw new KernelError('invalid', `Error: Invalid prefix for given prefix length: "${text}".`, { cause: e });
  }
}

function addRoute(n: Netns, spec: RouteSpec, replace: boolean): void {
  const dst = v4Cidr(spec.dst);
  const gw = spec.gw === undefined ? undefined : v4Ip(spec.gw);
  let dev = spec.dev;
  if (dev !== undefined) checkIfNameSeen(dev);
  if (dev !== undefined) needLink(n, dev);
  if (gw !== undefined && spec.onlink !== true) {
    // fib_check_nh: the gateway must be reachable by a direct (link-scope) route, through `dev` when given.
    const via = n.main.lookup(gw);
    const viaDev = via?.gateway === undefined ? via?.dev : undefined;
    if (viaDev === undefined || (dev !== undefined && viaDev !== dev)) throw new KernelError('invalid', 'Error: Nexthop has invalid gateway.');
    dev ??= viaDev;
  }
  if (dev === undefined) throw new KernelError('invalid', 'Error: Device for nexthop is not up.');
  if (!replace && n.main.get(dst) !== undefined) throw new KernelError('exists', 'RTNETLINK answers: File exists');
  const route: Route = {
    dst, type: 'unicast', dev, proto: 'boot', scope: spec.scope ?? (gw === undefined ? 'link' : 'global'),
    ...(gw === undefined ? {} : { gateway: gw }),
    ...(spec.onlink === true ? { onlink: true } : {}),
    ...(spec.src === undefined ? {} : { src: v4Ip(spec.src) }),
  };
  n.main.add(route);
}

function routeOut(r: Route): KernelRoute {
  return {
    dst: r.dst.toString(),
    ...(r.gateway === undefined ? {} : { gw: ip4ToString(r.gateway) }),
    ...(r.dev === undefined ? {} : { dev: r.dev }),
    scope: r.scope,
    ...(r.src === undefined ? {} : { src: ip4ToString(r.src) }),
    proto: r.proto,
    ...(r.onlink === true ? { onlink: true } : {}),
  };
}

function onlyTable(save: string, table: string): string {
  const out: string[] = [];
  let on = false;
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) on = line === `*${table}`;
    if (on) out.push(line);
    if (line === 'COMMIT') on = false;
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

export type { KernelLink };
