import { type Ip4, ip4ToString, prefixMask, tryParseIp4 } from '../../../addr/index.js';
import type { Packet } from '../../../packet/index.js';
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

/**
 * An immutable ipset. Members are kept as canonical strings; nets are looked up per prefix
 * length present, as the kernel's hash:net walks its cidr list.
 */
export class Ipset implements IpSet {
  private readonly keys: ReadonlySet<string>;
  private readonly netLens: readonly number[];

  constructor(
    readonly name: string,
    readonly type: IpsetType,
    readonly createOptions: readonly string[],
    readonly members: readonly string[],
  ) {
    this.keys = new Set(members);
    const lens = new Set<number>();
    if (DIMS[type].includes('net')) {
      for (const m of members) {
        const last = m.split(',').at(-1) ?? '';
        const slash = last.indexOf('/');
        lens.add(slash < 0 ? 32 : Number(last.slice(slash + 1)));
      }
    }
    this.netLens = [...lens].sort((a, b) => b - a);
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

  test(p: Packet, dirs: readonly boolean[]): boolean {
    const kinds = DIMS[this.type];
    const parts: string[] = [];
    let netAt = -1;
    for (let i = 0; i < kinds.length; i++) {
      const src = dirs[i] ?? dirs[dirs.length - 1] ?? false;
      const kind = kinds[i];
      if (kind === 'ip') parts.push(ip4ToString(src ? p.src : p.dst));
      else if (kind === 'port') {
        if (p.proto === 'icmp') return false;
        const port = src ? p.sport : p.dport;
        parts.push(this.type === 'bitmap:port' ? `${port}` : `${p.proto}:${port}`);
      } else {
        netAt = i;
        parts.push('');
      }
    }
    if (netAt < 0) return this.keys.has(parts.join(','));
    const addr = (dirs[netAt] ?? dirs[dirs.length - 1] ?? false) ? p.src : p.dst;
    for (const len of this.netLens) {
      const net = (addr & prefixMask(len)) >>> 0;
      parts[netAt] = len === 32 ? ip4ToString(net) : `${ip4ToString(net)}/${len}`;
      if (this.keys.has(parts.join(','))) return true;
    }
    return false;
  }
}
