import { Cidr4, type Ip4, ip4ToString, tryParseIp4 } from '../../../src/addr/index.js';
import type { Route } from '../../../src/cni/index.js';
import { fail } from '../../pkg/common.js';

/** One pool: addresses rangeStart..rangeEnd of subnet, gateway excluded (allocator.Range after Canonicalize). */
export interface Range {
  readonly subnet: Cidr4;
  readonly start: Ip4;
  readonly end: Ip4;
  readonly gateway: Ip4;
}
export type RangeSet = readonly Range[];

export interface IpamConfig {
  readonly name: string;
  readonly ranges: readonly RangeSet[];
  readonly routes: readonly Route[];
  readonly dataDir: string;
  readonly resolvConf: string | undefined;
  /** Addresses asked for by CNI_ARGS IP=, args.cni.ips or runtimeConfig.ips. */
  readonly requested: readonly Ip4[];
}

export const DEFAULT_DATA_DIR = '/var/lib/cni/networks';

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(path: string, want: string): never {
  fail(`failed to load netconf: ${path}: expected ${want}`);
}

function optString(o: Obj, k: string, path: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') bad(`${path}.${k}`, 'a string');
  return v;
}

/**
 * Parsed address texts: the same few (subnets, gateways, routes) come in every request of a node, and parsing is a
 * pure function of the text. Bounded so odd inputs cannot grow it without limit.
 */
const parsed = new Map<string, Ip4 | undefined>();
function parseIp(text: string): Ip4 | undefined {
  if (parsed.has(text)) return parsed.get(text);
  const ip = tryParseIp4(text);
  if (parsed.size >= 1024) parsed.clear();
  parsed.set(text, ip);
  return ip;
}

/** net.ParseIP for IPv4 (IPv6 is not modelled by kubewire's allocator). */
function ipv4(text: string, path: string): Ip4 {
  const ip = parseIp(text);
  if (ip === undefined) {
    if (text.includes(':')) fail(`${path}: IPv6 address ${text} is not supported by kubewire host-local (IPv4 only)`);
    fail(`invalid IP address: ${text}`);
  }
  return ip;
}

/** net.ParseCIDR keeping host bits (Canonicalize checks them with its own message). */
function cidr(text: string, path: string): { ip: Ip4; prefix: number } {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const ip = m === null ? undefined : parseIp(m[1] ?? '');
  const prefix = Number(m?.[2]);
  if (m === null || ip === undefined || prefix > 32) {
    if (text.includes(':')) fail(`${path}: IPv6 subnet ${text} is not supported by kubewire host-local (IPv4 only)`);
    fail(`invalid CIDR address: ${text}`);
  }
  return { ip, prefix };
}

function rawRange(o: Obj, path: string): { subnet: { ip: Ip4; prefix: number }; start?: Ip4; end?: Ip4; gateway?: Ip4 } {
  const s = optString(o, 'subnet', path);
  if (s === undefined) bad(`${path}.subnet`, 'a CIDR string');
  const start = optString(o, 'rangeStart', path);
  const end = optString(o, 'rangeEnd', path);
  const gw = optString(o, 'gateway', path);
  return {
    subnet: cidr(s, `${path}.subnet`),
    ...(start === undefined ? {} : { start: ipv4(start, `${path}.rangeStart`) }),
    ...(end === undefined ? {} : { end: ipv4(end, `${path}.rangeEnd`) }),
    ...(gw === undefined ? {} : { gateway: ipv4(gw, `${path}.gateway`) }),
  };
}

/** Range.Canonicalize, with upstream's messages. */
function canonicalize(r: ReturnType<typeof rawRange>): Range | string {
  const { ip, prefix } = r.subnet;
  if (prefix > 30) return `Network ${ip4ToString(ip)}/${prefix} too small to allocate from`;
  const subnet = new Cidr4(ip, prefix);
  if (subnet.network !== ip) return `Network has host bits set. For a subnet mask of length ${prefix} the network address is ${ip4ToString(subnet.network)}`;
  const gateway = r.gateway ?? subnet.nth(1);
  const start = r.start ?? subnet.nth(1);
  const end = r.end ?? subnet.nth(subnet.size - 2);
  const inside = (x: Ip4) => subnet.contains(x) && x !== subnet.network && x !== subnet.broadcast;
  if (!inside(start)) return `RangeStart ${ip4ToString(start)} not in network ${subnet.toString()}`;
  if (!inside(end)) return `RangeEnd ${ip4ToString(end)} not in network ${subnet.toString()}`;
  if (start > end) return `RangeStart ${ip4ToString(start)} not in network ${subnet.toString()}`;
  return { subnet, start, end, gateway };
}

function rangeSets(raw: unknown, path: string): ReturnType<typeof rawRange>[][] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) bad(path, 'an array of range sets');
  return raw.map((set: unknown, i) => {
    if (!Array.isArray(set)) bad(`${path}[${i}]`, 'an array of ranges');
    return set.map((r: unknown, j) => (isObj(r) ? rawRange(r, `${path}[${i}][${j}]`) : bad(`${path}[${i}][${j}]`, 'an object')));
  });
}

/** allocator.LoadIPAMConfig for IPv4: ranges (runtimeConfig.ipRanges first, legacy single range next), routes, requested IPs. */
export function loadIpamConfig(conf: Obj, cniVersion: string, requestedFromArgs: readonly string[]): IpamConfig {
  const ipam = conf['ipam'];
  if (!isObj(ipam)) fail("IPAM config missing 'ipam' key");
  const name = typeof conf['name'] === 'string' ? conf['name'] : '';
  const rc = isObj(conf['runtimeConfig']) ? conf['runtimeConfig'] : {};
  const kept = keptFor(ipam);
  const ranges = rc['ipRanges'] === undefined ? ipamOnly(kept, 'ranges', () => loadRanges(rc, ipam)) : withIpRanges(kept, rc['ipRanges'], () => loadRanges(rc, ipam));
  if ((cniVersion === '0.1.0' || cniVersion === '0.2.0') && ranges.length > 1) fail(`CNI version ${cniVersion} does not support more than 1 address per family`);
  const routes = ipamOnly(kept, 'routes', () => loadRoutes(ipam));
  const requested = requestedIps(conf, rc, requestedFromArgs);
  return {
    name, ranges, routes, requested,
    dataDir: optString(ipam, 'dataDir', '$.ipam') ?? DEFAULT_DATA_DIR,
    resolvConf: optString(ipam, 'resolvConf', '$.ipam'),
  };
}

/**
 * Ranges and routes read from a frozen `ipam` object (the in-process runtime hands every request the same frozen
 * copy of a loaded plugin's fields) are kept with it: the same object always gives the same answer. A config that
 * fails is not kept (it throws the same error again). Unfrozen objects are read every time.
 */
interface Kept { ranges?: readonly RangeSet[]; routes?: readonly Route[]; byIpRanges?: WeakMap<object, readonly RangeSet[]> }
const ipamCache = new WeakMap<Obj, Kept>();
/** What is kept for a frozen `ipam` object (one lookup per request); undefined for an unfrozen one. */
function keptFor(ipam: Obj): Kept | undefined {
  if (!Object.isFrozen(ipam)) return undefined;
  let c = ipamCache.get(ipam);
  if (c === undefined) ipamCache.set(ipam, (c = {}));
  return c;
}
function ipamOnly<K extends 'ranges' | 'routes'>(c: Kept | undefined, key: K, load: () => NonNullable<Kept[K]>): NonNullable<Kept[K]> {
  if (c === undefined) return load();
  return (c[key] ??= Object.freeze(load()) as never) as NonNullable<Kept[K]>;
}

/**
 * Ranges for a request with runtimeConfig.ipRanges: kept with the frozen `ipam` object by the ipRanges value when that
 * is frozen too (the in-process runtime hands every pod of a node the same frozen runtimeConfig). Otherwise read.
 */
function withIpRanges(c: Kept | undefined, ipRanges: unknown, load: () => RangeSet[]): readonly RangeSet[] {
  if (c === undefined || typeof ipRanges !== 'object' || ipRanges === null || !Object.isFrozen(ipRanges)) return load();
  const byIpRanges = (c.byIpRanges ??= new WeakMap());
  let ranges = byIpRanges.get(ipRanges);
  if (ranges === undefined) byIpRanges.set(ipRanges, (ranges = Object.freeze(load())));
  return ranges;
}

function loadRanges(rc: Obj, ipam: Obj): RangeSet[] {
  const raws = [
    ...rangeSets(rc['ipRanges'], '$.runtimeConfig.ipRanges'),
    ...(ipam['subnet'] !== undefined ? [[rawRange(ipam, '$.ipam')]] : []),
    ...rangeSets(ipam['ranges'], '$.ipam.ranges'),
  ];
  if (raws.length === 0) fail('no IP ranges specified');
  const ranges = raws.map((set, i) => {
    if (set.length === 0) fail(`invalid range set ${i}: empty range set`);
    return set.map((r) => {
      const c = canonicalize(r);
      if (typeof c === 'string') fail(`invalid range set ${i}: ${c}`);
      return c;
    });
  });
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      if ((ranges[i] ?? []).some((a) => (ranges[j] ?? []).some((b) => a.start <= b.end && b.start <= a.end))) fail(`range set ${i} overlaps with ${j}`);
    }
  }
  return ranges;
}

function loadRoutes(ipam: Obj): Route[] {
  const routes: Route[] = [];
  const rr = ipam['routes'];
  if (rr !== undefined && rr !== null) {
    if (!Array.isArray(rr)) bad('$.ipam.routes', 'an array');
    rr.forEach((r: unknown, i) => {
      if (!isObj(r)) bad(`$.ipam.routes[${i}]`, 'an object');
      const dst = optString(r, 'dst', `$.ipam.routes[${i}]`);
      if (dst === undefined) bad(`$.ipam.routes[${i}].dst`, 'a CIDR string');
      const d = cidr(dst, `$.ipam.routes[${i}].dst`);
      const gw = optString(r, 'gw', `$.ipam.routes[${i}]`);
      if (gw !== undefined) ipv4(gw, `$.ipam.routes[${i}].gw`);
      routes.push(Object.freeze({ dst: new Cidr4(d.ip, d.prefix).toString(), ...(gw === undefined ? {} : { gw }) }));
    });
  }
  return routes;
}

/** CONVENTIONS.md: args.cni.ips wins over CNI_ARGS IP=; runtimeConfig.ips adds to them. Prefixes are dropped. */
function requestedIps(conf: Obj, rc: Obj, fromArgs: readonly string[]): Ip4[] {
  const args = isObj(conf['args']) && isObj(conf['args']['cni']) ? conf['args']['cni'] : {};
  const list = (v: unknown, path: string): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) bad(path, 'an array of IP strings');
    return v as string[];
  };
  const fromConf = list(args['ips'], '$.args.cni.ips');
  const texts = [...(fromConf.length > 0 ? fromConf : fromArgs), ...list(rc['ips'], '$.runtimeConfig.ips')];
  return texts.map((t) => ipv4(t.split('/')[0] ?? t, 'requested IP'));
}

/** RangeSet.String: "start-end,start-end". */
export function rangeSetText(set: RangeSet): string {
  return set.map((r) => `${ip4ToString(r.start)}-${ip4ToString(r.end)}`).join(',');
}
