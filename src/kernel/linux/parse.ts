import type { KernelAddr, KernelFdb, KernelLink, KernelLinkKind, KernelNeigh, KernelRoute, RouteScope } from '../types.js';
import { KernelError } from '../errors.js';

/** Readers of iproute2 6.x `-j` output: untyped JSON narrowed field by field, unknown fields ignored. */

type Obj = Readonly<Record<string, unknown>>;

function arr(text: string, what: string): Obj[] {
  if (text.trim() === '') return [];
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new KernelError('command-failed', `cannot parse ${what} JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!Array.isArray(v)) throw new KernelError('command-failed', `${what} JSON is not an array`);
  return v.filter((x): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x));
}

const str = (o: Obj, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
const num = (o: Obj, k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
const obj = (o: Obj, k: string): Obj => (typeof o[k] === 'object' && o[k] !== null && !Array.isArray(o[k]) ? (o[k] as Obj) : {});
const flags = (o: Obj): string[] => (Array.isArray(o['flags']) ? (o['flags'] as unknown[]).filter((f): f is string => typeof f === 'string') : []);

const KINDS: readonly KernelLinkKind[] = ['veth', 'bridge', 'vxlan', 'dummy'];

export function parseLinks(text: string): KernelLink[] {
  return arr(text, 'ip link').map((o) => {
    const info = obj(o, 'linkinfo');
    const kindText = str(info, 'info_kind');
    const kind: KernelLinkKind = str(o, 'link_type') === 'loopback' ? 'loopback' : KINDS.find((k) => k === kindText) ?? 'other';
    const master = str(o, 'master');
    const slave = obj(info, 'info_slave_data');
    const data = obj(info, 'info_data');
    const peer = str(o, 'link');
    const local = str(data, 'local');
    const dev = str(data, 'link');
    return {
      name: str(o, 'ifname') ?? '', ifindex: num(o, 'ifindex') ?? 0, kind, mac: str(o, 'address') ?? '', mtu: num(o, 'mtu') ?? 0,
      up: flags(o).includes('UP'), promisc: flags(o).includes('PROMISC'),
      ...(master === undefined ? {} : { master, hairpin: slave['hairpin'] === true }),
      ...(kind === 'veth' && peer !== undefined ? { peer: { name: peer } } : {}),
      ...(kind === 'vxlan' ? { vxlan: { vni: num(data, 'id') ?? 0, port: num(data, 'port') ?? 0, ...(local === undefined ? {} : { local }), ...(dev === undefined ? {} : { dev }) } } : {}),
    };
  });
}

/** `ip -j addr show`: inet and inet6 addresses except link-local ones (the kernel adds fe80:: by itself). */
export function parseAddrs(text: string): KernelAddr[] {
  const out: KernelAddr[] = [];
  for (const l of arr(text, 'ip addr')) {
    const dev = str(l, 'ifname') ?? '';
    const infos = Array.isArray(l['addr_info']) ? (l['addr_info'] as unknown[]) : [];
    for (const a of infos) {
      if (typeof a !== 'object' || a === null) continue;
      const ai = a as Obj;
      const fam = str(ai, 'family');
      const local = str(ai, 'local');
      if (local === undefined || (fam !== 'inet' && fam !== 'inet6')) continue;
      if (fam === 'inet6' && str(ai, 'scope') === 'link') continue;
      out.push({ dev, cidr: `${local}/${num(ai, 'prefixlen') ?? (fam === 'inet' ? 32 : 128)}`, family: fam === 'inet' ? 4 : 6 });
    }
  }
  return out;
}

const SCOPES: readonly RouteScope[] = ['global', 'link', 'host'];

/** `ip -j route show`: unicast routes of the main table; "default" becomes 0.0.0.0/0 (or ::/0), a bare address /32 (/128). */
export function parseRoutes(text: string, family: 4 | 6): KernelRoute[] {
  const out: KernelRoute[] = [];
  for (const r of arr(text, 'ip route')) {
    const type = str(r, 'type');
    if (type !== undefined && type !== 'unicast') continue;
    const raw = str(r, 'dst') ?? '';
    const dst = raw === 'default' ? (family === 4 ? '0.0.0.0/0' : '::/0') : raw.includes('/') ? raw : `${raw}/${family === 4 ? 32 : 128}`;
    const scope = SCOPES.find((s) => s === str(r, 'scope'));
    const gw = str(r, 'gateway');
    const dev = str(r, 'dev');
    const src = str(r, 'prefsrc');
    const proto = str(r, 'protocol');
    out.push({
      dst, ...(gw === undefined ? {} : { gw }), ...(dev === undefined ? {} : { dev }), ...(scope === undefined ? {} : { scope }),
      ...(src === undefined ? {} : { src }), ...(proto === undefined ? {} : { proto }), ...(flags(r).includes('onlink') ? { onlink: true } : {}),
    });
  }
  return out;
}

export function parseNeigh(text: string): KernelNeigh[] {
  return arr(text, 'ip neigh').flatMap((n) => {
    const ip = str(n, 'dst');
    const mac = str(n, 'lladdr');
    if (ip === undefined || mac === undefined) return [];
    const state = Array.isArray(n['state']) ? (n['state'] as unknown[]) : [];
    return [{ ip, dev: str(n, 'dev') ?? '', mac, permanent: state.includes('PERMANENT') }];
  });
}

export function parseFdb(text: string): KernelFdb[] {
  return arr(text, 'bridge fdb').flatMap((f) => {
    const mac = str(f, 'mac');
    if (mac === undefined) return [];
    const dst = str(f, 'dst');
    const master = str(f, 'master');
    const state = str(f, 'state');
    return [{ mac, dev: str(f, 'ifname') ?? '', ...(dst === undefined ? {} : { dst }), ...(master === undefined ? {} : { master }), permanent: state === 'permanent' || state === 'static' || state === undefined }];
  });
}
