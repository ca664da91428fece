import { KernelError, type KernelErrorKind } from '../errors.js';
import type { AddrOps, FdbOps, IptablesOps, Kernel, LinkOps, NeighOps, NetnsOps, RouteOps, SysctlOps } from '../kernel.js';
import { checkIfName, netnsNameOf } from '../names.js';
import type { KernelLink, LinkOptions, NetnsRef, RouteSpec, VethEnd, VxlanOptions } from '../types.js';
import { parseAddrs, parseFdb, parseLinks, parseNeigh, parseRoutes } from './parse.js';
import type { CommandRunner } from './runner.js';

/**
 * The Kernel over iproute2, iptables-restore/-save and sysctl, run through a CommandRunner. A NetnsRef becomes
 * `ip -n <name>` for ip itself, `ip netns exec <name> <tool>` for the other tools, `nsenter --net=<path>` for other
 * paths; '' runs in the driver's own namespace (a plugin's "host"). Errors carry the tool's stderr and the argv.
 */
export class LinuxKernel implements Kernel {
  readonly kind = 'linux' as const;
  readonly netns: NetnsOps;
  readonly link: LinkOps;
  readonly addr: AddrOps;
  readonly route: RouteOps;
  readonly neigh: NeighOps;
  readonly fdb: FdbOps;
  readonly sysctl: SysctlOps;
  readonly iptables: IptablesOps;

  constructor(private readonly runner: CommandRunner) {
    const ip = (ns: NetnsRef, args: readonly string[]) => this.must(ipArgv(ns, args));
    this.netns = {
      add: async (name) => { await this.must(['ip', 'netns', 'add', name]); },
      del: async (name) => { await this.must(['ip', 'netns', 'del', name]); },
      exists: async (ref) => ref === '' || (await this.runner.run(ipArgv(ref, ['link', 'show', 'lo']))).code === 0,
      list: async () => {
        const r = await this.must(['ip', '-j', 'netns', 'list']);
        return parseNames(r.stdout).sort();
      },
    };
    this.link = {
      addVeth: async (a, b, o = {}) => { await this.must(vethArgv(a, b, o)); },
      addBridge: async (ns, name, o = {}) => { checkIfName(name); await ip(ns, ['link', 'add', name, ...linkOpts(o), 'type', 'bridge']); },
      addVxlan: async (ns, name, o) => { checkIfName(name); await ip(ns, ['link', 'add', name, ...linkOpts(o), 'type', 'vxlan', ...vxlanOpts(o)]); },
      addDummy: async (ns, name, o = {}) => { checkIfName(name); await ip(ns, ['link', 'add', name, ...linkOpts(o), 'type', 'dummy']); },
      setMaster: async (ns, name, m) => { await ip(ns, ['link', 'set', 'dev', name, ...(m === null ? ['nomaster'] : ['master', m])]); },
      setUp: async (ns, name, up) => { await ip(ns, ['link', 'set', 'dev', name, up ? 'up' : 'down']); },
      setMtu: async (ns, name, mtu) => { await ip(ns, ['link', 'set', 'dev', name, 'mtu', String(mtu)]); },
      setHairpin: async (ns, name, on) => { await ip(ns, ['link', 'set', 'dev', name, 'type', 'bridge_slave', 'hairpin', on ? 'on' : 'off']); },
      setPromisc: async (ns, name, on) => { await ip(ns, ['link', 'set', 'dev', name, 'promisc', on ? 'on' : 'off']); },
      setMac: async (ns, name, mac) => { await ip(ns, ['link', 'set', 'dev', name, 'address', mac]); },
      del: async (ns, name) => { await ip(ns, ['link', 'del', 'dev', name]); },
      get: async (ns, name) => {
        const r = await this.runner.run(ipArgv(ns, ['-j', '-d', 'link', 'show', 'dev', name]));
        if (r.code !== 0) {
          if (/does not exist/.test(r.stderr)) return undefined;
          throw fail(ipArgv(ns, ['-j', '-d', 'link', 'show', 'dev', name]), r.stderr);
        }
        return parseLinks(r.stdout)[0] as KernelLink | undefined;
      },
      list: async (ns) => parseLinks((await ip(ns, ['-j', '-d', 'link', 'show'])).stdout),
    };
    this.addr = {
      add: async (ns, dev, cidr) => { await ip(ns, ['addr', 'add', cidr, 'dev', dev]); },
      del: async (ns, dev, cidr) => { await ip(ns, ['addr', 'del', cidr, 'dev', dev]); },
      list: async (ns, dev) => parseAddrs((await ip(ns, ['-j', 'addr', 'show', ...(dev === undefined ? [] : ['dev', dev])])).stdout),
    };
    this.route = {
      add: async (ns, r) => { await ip(ns, ['route', 'add', ...routeArgs(r)]); },
      replace: async (ns, r) => { await ip(ns, ['route', 'replace', ...routeArgs(r)]); },
      del: async (ns, r) => { await ip(ns, ['route', 'del', ...routeArgs(r)]); },
      list: async (ns) => [
        ...parseRoutes((await ip(ns, ['-j', '-4', 'route', 'show'])).stdout, 4),
        ...parseRoutes((await ip(ns, ['-j', '-6', 'route', 'show'])).stdout, 6),
      ],
    };
    this.neigh = {
      replace: async (ns, e) => { await ip(ns, ['neigh', 'replace', e.ip, 'lladdr', e.mac, 'dev', e.dev, 'nud', 'permanent']); },
      list: async (ns) => parseNeigh((await ip(ns, ['-j', 'neigh', 'show'])).stdout),
    };
    this.fdb = {
      append: async (ns, e) => {
        const tail = e.dst === undefined ? ['master', 'static'] : ['dst', e.dst];
        await this.must(inNetns(ns, ['bridge', 'fdb', 'append', e.mac, 'dev', e.dev, ...tail]));
      },
      list: async (ns) => parseFdb((await this.must(inNetns(ns, ['bridge', '-j', 'fdb', 'show']))).stdout),
    };
    this.sysctl = {
      get: async (ns, key) => {
        const r = await this.runner.run(inNetns(ns, ['sysctl', '-n', key]));
        return r.code === 0 ? r.stdout.trim() : undefined;
      },
      set: async (ns, key, value) => { await this.must(inNetns(ns, ['sysctl', '-q', '-w', `${key}=${value}`])); },
    };
    this.iptables = {
      restore: async (ns, text, o = {}) => {
        await this.must(inNetns(ns, ['iptables-restore', '-w', ...(o.noflush === true ? ['--noflush'] : [])]), text);
      },
      save: async (ns, table) => (await this.must(inNetns(ns, ['iptables-save', ...(table === undefined ? [] : ['-t', table])]))).stdout,
    };
  }

  private async must(argv: readonly string[], stdin?: string) {
    const r = await this.runner.run(argv, stdin === undefined ? {} : { stdin });
    if (r.code !== 0) throw fail(argv, r.stderr);
    return r;
  }
}

function fail(argv: readonly string[], stderr: string): KernelError {
  const text = stderr.trim();
  const kind: KernelErrorKind = /File exists/.test(text) ? 'exists'
    : /does not exist|No such (device|process|file)|Cannot find device|Cannot assign requested address/.test(text) ? 'not-found'
    : /Cannot open network namespace|Invalid netns|failed to open/i.test(text) ? 'no-netns' : 'command-failed';
  return new KernelError(kind, `${argv.join(' ')}: ${text === '' ? 'failed' : text}`, { argv });
}

function pidOf(ref: NetnsRef): string | undefined {
  return /^\/proc\/(\d+)\/ns\/net$/.exec(ref)?.[1];
}

/** ip itself: `ip -n NAME …`, or `nsenter --net=PATH ip …`. */
export function ipArgv(ns: NetnsRef, args: readonly string[]): string[] {
  const name = netnsNameOf(ns);
  if (name === '') return ['ip', ...args];
  if (name !== undefined) return ['ip', '-n', name, ...args];
  return ['nsenter', `--net=${ns}`, 'ip', ...args];
}

/** Any other tool inside a namespace. */
export function inNetns(ns: NetnsRef, argv: readonly string[]): string[] {
  const name = netnsNameOf(ns);
  if (name === '') return [...argv];
  if (name !== undefined) return ['ip', 'netns', 'exec', name, ...argv];
  return ['nsenter', `--net=${ns}`, ...argv];
}

/** The value `ip link … netns X` takes: a name, or the pid of a /proc/<pid>/ns/net path. */
function netnsArg(ref: NetnsRef): string {
  const name = netnsNameOf(ref);
  if (name !== undefined && name !== '') return name;
  const pid = pidOf(ref);
  if (pid !== undefined) return pid;
  throw new KernelError('unsupported', `cannot name namespace "${ref}" in "ip link … netns": use /run/netns/<name> or /proc/<pid>/ns/net`);
}

/**
 * The pair is created from the host side when one end is there (`ip link add … netns` cannot name the caller's own
 * namespace when that is not the machine's root one, as inside `ip netns exec`), else from a's namespace.
 */
export function vethArgv(a: VethEnd, b: VethEnd, o: LinkOptions & { readonly peerMtu?: number }): string[] {
  checkIfName(a.name);
  checkIfName(b.name);
  const mtuA = o.mtu === undefined ? [] : ['mtu', String(o.mtu)];
  const mtuB = (o.peerMtu ?? o.mtu) === undefined ? [] : ['mtu', String(o.peerMtu ?? o.mtu)];
  const macA = o.mac === undefined ? [] : ['address', o.mac];
  if (b.netns === '' && a.netns !== '') {
    return ['ip', 'link', 'add', b.name, ...mtuB, 'type', 'veth', 'peer', 'name', a.name, ...mtuA, ...macA, 'netns', netnsArg(a.netns)];
  }
  const same = netnsNameOf(a.netns) === netnsNameOf(b.netns) && a.netns.startsWith('/proc/') === b.netns.startsWith('/proc/');
  return ipArgv(a.netns, ['link', 'add', a.name, ...mtuA, ...macA, 'type', 'veth', 'peer', 'name', b.name, ...mtuB, ...(same ? [] : ['netns', netnsArg(b.netns)])]);
}

function linkOpts(o: LinkOptions): string[] {
  return [...(o.mtu === undefined ? [] : ['mtu', String(o.mtu)]), ...(o.mac === undefined ? [] : ['address', o.mac])];
}

function vxlanOpts(o: VxlanOptions): string[] {
  return ['id', String(o.vni), 'dstport', String(o.port), ...(o.local === undefined ? [] : ['local', o.local]), ...(o.dev === undefined ? [] : ['dev', o.dev]), ...(o.learning === false ? ['nolearning'] : [])];
}

function routeArgs(r: RouteSpec): string[] {
  return [
    r.dst, ...(r.gw === undefined ? [] : ['via', r.gw]), ...(r.dev === undefined ? [] : ['dev', r.dev]),
    ...(r.scope === undefined ? [] : ['scope', r.scope]), ...(r.src === undefined ? [] : ['src', r.src]), ...(r.onlink === true ? ['onlink'] : []),
  ];
}

function parseNames(text: string): string[] {
  if (text.trim() === '') return [];
  const v: unknown = JSON.parse(text);
  if (!Array.isArray(v)) return [];
  return v.flatMap((x) => (typeof x === 'object' && x !== null && typeof (x as { name?: unknown }).name === 'string' ? [(x as { name: string }).name] : []));
}
