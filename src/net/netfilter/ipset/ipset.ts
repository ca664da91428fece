import { type Ip4, ip4ToString, prefixMask, tryParseIp4 } from '../../../addr/index.js';
import type { Packet } from '../../../packet/index.js';
import { IntKeyMap } from '../../int-key-map.js';
import type { IpSet, IpsetType } from './types.js';

/** Parsed member: one value per dimension (ip, proto+port, net), normalised. */
type Dim = { kind: 'ip'; ip: Ip4 } | { kind: 'port'; proto: string; port: number } | { kind: 'net'; ip: Ip4; len: number };

const DIMS: Readonly<Record<IpsetType, readonly Dim['kind'][]>> = {
  'hash:ip': ['ip'],
  'hash:ip,port': ['ip', 'port'],
  'hash:ip,port,ip': ['ip', 'port', 'ip'],
  'hash:ip,port,net': ['ip', 'port', 'net'],
  'hash:net': ['net'],
  'bitmap:port': ['port'],
};

const PROTOS = new Set(['tcp', 'udp', 'sctp', 'udplite', 'icmp']);

/** Parses `10.0.0.1,tcp:80,10.0.0.0/24`-style members for a set type; undefined when malformed. */
export function parseMember(type: IpsetType, text: string): Dim[] | undefined {
  const parts = text.split(',');
  const kinds = DIMS[type];
  if (parts.length !== kinds.length) return undefined;
  const out: Dim[] = [];
  for (let i = 0; i < kinds.length; i++) {
    const part = parts[i] ?? '';
    const kind = kinds[i];
    if (kind === 'ip') {
      const ip = tryParseIp4(part);
      if (ip === undefined) return undefined;
      out.push({ kind, ip });
    } else if (kind === 'net') {
      const [a, l, extra] = part.split('/');
      const ip = a === undefined ? undefined : tryParseIp4(a);
      const len = l === undefined ? 32 : /^\d{1,2}$/.test(l) ? Number(l) : NaN;
      if (ip === undefined || extra !== undefined || !(len >= 1 && len <= 32)) return undefined;
      out.push({ kind, ip: ((ip & prefixMask(len)) >>> 0) as Ip4, len });
    } else {
      // bitmap:port takes a bare port; hash types take [proto:]port (tcp by default).
      const m = type === 'bitmap:port' ? /^()(\d+)$/.exec(part) : /^(?:([a-z]+):)?(\d+)$/.exec(part);
      const proto = m?.[1] === undefined || m[1] === '' ? 'tcp' : m[1];
      const port = m === null ? NaN : Number(m[2]);
      if (!PROTOS.has(proto) || !(port >= 0 && port <= 65535)) return undefined;
      out.push({ kind: 'port', proto: type === 'bitmap:port' ? '' : proto, port });
    }
  }
  return out;
}

function dimText(d: Dim): string {
  if (d.kind === 'ip') return ip4ToString(d.ip);
  if (d.kind === 'net') return d.len === 32 ? ip4ToString(d.ip) : `${ip4ToString(d.ip)}/${d.len}`;
  return d.proto === '' ? `${d.port}` : `${d.proto}:${d.port}`;
}

export function memberText(dims: readonly Dim[]): string {
  return dims.map(dimText).join(',');
}

/** A protocol's code in a numeric port key (bitmap:port has none: 0). */
const PROTO_CODE: Readonly<Record<string, number>> = { tcp: 1, udp: 2, sctp: 3, udplite: 4, icmp: 5 };
const PORT_SPAN = 65536;
/** proto code (3 bits) × 65536 + port: 19 bits, so "ip,port" (51 bits) is still an exact double. */
const PROTO_PORT_SPAN = 8 * PORT_SPAN;

/**
 * Members as numbers. The first dimensions (up to two, and none from a net on) make a key: ip, or
 * ip·2^19 + proto·2^16 + port (51 bits: an exact double). Types with nothing after them keep it in `flat`; a third
 * ip (hash:ip,port,ip) or a net (hash:ip,port,net, hash:net with key 0) is a second level under it, a net as
 * net·64 + prefix length.
 */
interface NumericIndex {
  /**
   * In an IntKeyMap: an ip,port key is a 51-bit heap number, which a Set boxes and hashes on every test. Tested with
   * has(): the slots alone answer, without reading the (always true) value.
   */
  readonly flat: IntKeyMap<true>;
  readonly nested: Map<number, Set<number>>;
  /** Prefix lengths of the net members, longest first: a net is looked for at each, as hash:net walks its cidr list. */
  readonly netLens: readonly number[];
  /** DIMS[type] and splitAt(type), kept with the index: every packet through IPVS mode's rules tests sets. */
  readonly kinds: readonly Dim['kind'][];
  readonly split: number;
  /** bitmap:port: its port keys carry no protocol (code 0). */
  readonly portless: boolean;
}

/** Whether dimension `i` reads the source (true) or destination; dimensions past the flags take the last flag's. */
function dirAt(dirs: readonly boolean[], i: number): boolean {
  return dirs[i] ?? dirs[dirs.length - 1] ?? false;
}

/** How many leading dimensions make the first-level key. */
function splitAt(type: IpsetType): number {
  const kinds = DIMS[type];
  const netAt = kinds.indexOf('net');
  return netAt >= 0 ? netAt : Math.min(kinds.length, 2);
}

function dimCode(d: Dim): number {
  if (d.kind === 'ip') return d.ip;
  if (d.kind === 'net') return d.ip * 64 + d.len;
  return (d.proto === '' ? 0 : (PROTO_CODE[d.proto] ?? 7)) * PORT_SPAN + d.port;
}

function buildIndex(type: IpsetType, members: readonly string[]): NumericIndex {
  const flat = new Set<number>();
  const nested = new Map<number, Set<number>>();
  const lens = new Set<number>();
  const split = splitAt(type);
  for (const m of members) {
    const dims = parseMember(type, m);
    if (dims === undefined) continue;
    let key = 0;
    for (let i = 0; i < split; i++) {
      const d = dims[i];
      if (d !== undefined) key = i === 0 ? dimCode(d) : key * PROTO_PORT_SPAN + dimCode(d);
    }
    const last = dims[split];
    if (last === undefined) {
      flat.add(key);
      continue;
    }
    if (last.kind === 'net') lens.add(last.len);
    let second = nested.get(key);
    if (second === undefined) nested.set(key, (second = new Set()));
    second.add(dimCode(last));
  }
  return {
    flat: new IntKeyMap(Array.from(flat, (k) => [k, true] as const), flat.size),
    nested,
    netLens: [...lens].sort((a, b) => b - a),
    kinds: DIMS[type],
    split,
    portless: type === 'bitmap:port',
  };
}

/** An immutable ipset: members kept as canonical strings (as `ipset save` prints them), indexed by number for tests. */
export class Ipset implements IpSet {
  private readonly keys: ReadonlySet<string>;
  /** Members by number, for test(); built on the first test (most sets are only saved and restored). */
  private index: NumericIndex | undefined;

  constructor(
    readonly name: string,
    readonly type: IpsetType,
    readonly createOptions: readonly string[],
    readonly members: readonly string[],
  ) {
    this.keys = new Set(members);
  }

  withMember(text: string): Ipset | undefined {
    const dims = parseMember(this.type, text);
    if (dims === undefined) return undefined;
    const key = memberText(dims);
    return this.keys.has(key) ? this : new Ipset(this.name, this.type, this.createOptions, [...this.members, key]);
  }

  withoutMember(text: string): Ipset | undefined {
    const dims = parseMember(this.type, text);
    if (dims === undefined) return undefined;
    const key = memberText(dims);
    return new Ipset(this.name, this.type, this.createOptions, this.members.filter((m) => m !== key));
  }

  has(text: string): boolean {
    const dims = parseMember(this.type, text);
    return dims !== undefined && this.keys.has(memberText(dims));
  }

  /**
   * Whether the packet's fields (source or destination per dimension, as `--match-set NAME src,dst` says) form a
   * member. Looked up by number: a trace tests sets on every packet through IPVS mode's rules, and text keys cost a
   * string per dimension and a join per test.
   */
  test(p: Packet, dirs: readonly boolean[]): boolean {
    const idx = (this.index ??= buildIndex(this.type, this.members));
    // The first dimensions (up to two, before any net) make a first-level key; a third ip or a net is looked up
    // under it. The set's layout (kinds, split, port protocol) is read from the index, not recomputed per packet.
    const kinds = idx.kinds;
    const split = idx.split;
    let key = 0;
    for (let i = 0; i < split; i++) {
      let code: number;
      if (kinds[i] === 'ip') code = dirAt(dirs, i) ? p.src : p.dst;
      else {
        if (p.proto === 'icmp') return false;
        const proto = idx.portless ? 0 : PROTO_CODE[p.proto];
        if (proto === undefined) return false;
        code = proto * PORT_SPAN + (dirAt(dirs, i) ? p.sport : p.dport);
      }
      key = i === 0 ? code : key * PROTO_PORT_SPAN + code;
    }
    if (split === kinds.length) return idx.flat.has(key);
    const second = idx.nested.get(key);
    if (second === undefined) return false;
    const addr = dirAt(dirs, split) ? p.src : p.dst;
    if (kinds[split] === 'ip') return second.has(addr);
    // Longest prefix first, as the kernel's hash:net walks its cidr list.
    for (const len of idx.netLens) if (second.has(((addr & prefixMask(len)) >>> 0) * 64 + len)) return true;
    return false;
  }
}
