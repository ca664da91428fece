import { InputError } from '../lib/index.js';
import { canonicalIp4, type Ip4, ip4, ip4ToString, parseIp4 } from './ip4.js';

export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** An IPv4 prefix with its host bits zero, as routing tables and CNI configs hold them. */
export class Cidr4 {
  readonly network: Ip4;
  readonly prefix: number;
  readonly mask: number;

  constructor(network: Ip4, prefix: number) {
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new RangeError(`bad prefix length ${prefix}`);
    this.prefix = prefix;
    this.mask = prefixMask(prefix);
    this.network = ip4(network & this.mask);
  }

  /** `10.0.0.0/8`. Host bits set (`10.0.0.1/8`) are rejected unless `allowHostBits`, as in `ip route`. */
  static parse(text: string, where?: string, opts: { allowHostBits?: boolean } = {}): Cidr4 {
    const w = where === undefined ? {} : { where };
    const m = /^\s*([^/\s]+)\/(\d{1,2})\s*$/.exec(text);
    if (m === null) throw new InputError('KW_ADDR_INVALID_CIDR', `"${text}" is not a CIDR (expected a.b.c.d/len)`, w);
    const prefix = Number(m[2]);
    if (prefix > 32) throw new InputError('KW_ADDR_INVALID_CIDR', `"${text}": prefix length ${prefix} is over 32`, w);
    let addr: Ip4;
    try {
      addr = parseIp4(m[1] ?? '');
    } catch {
      throw new InputError('KW_ADDR_INVALID_CIDR', `"${text}": "${m[1] ?? ''}" is not a valid IPv4 address`, w);
    }
    const c = new Cidr4(addr, prefix);
    if (c.network !== addr && opts.allowHostBits !== true) {
      throw new InputError('KW_ADDR_INVALID_CIDR', `"${text}" has host bits set (did you mean ${c.toString()}?)`, w);
    }
    return c;
  }

  static host(ip: Ip4): Cidr4 {
    return new Cidr4(ip, 32);
  }

  contains(ip: Ip4 | number): boolean {
    return ((ip & this.mask) >>> 0) === this.network;
  }

  containsCidr(o: Cidr4): boolean {
    return o.prefix >= this.prefix && this.contains(o.network);
  }

  overlaps(o: Cidr4): boolean {
    return this.containsCidr(o) || o.containsCidr(this);
  }

  /** Number of addresses, 2^(32-prefix). */
  get size(): number {
    return 2 ** (32 - this.prefix);
  }

  get broadcast(): Ip4 {
    return ip4(this.network | (~this.mask >>> 0));
  }

  /** The i-th address of the prefix (0 = network address). */
  nth(i: number): Ip4 {
    if (i < 0 || i >= this.size) throw new RangeError(`address #${i} is outside ${this.toString()}`);
    return ip4(this.network + i);
  }

  /** The i-th subnet of length `prefix` carved from this one. */
  subnet(prefix: number, i: number): Cidr4 {
    if (prefix < this.prefix) throw new RangeError(`/${prefix} is larger than ${this.toString()}`);
    const count = 2 ** (prefix - this.prefix);
    if (i < 0 || i >= count) throw new RangeError(`subnet #${i} of /${prefix} is outside ${this.toString()}`);
    return new Cidr4(ip4(this.network + i * 2 ** (32 - prefix)), prefix);
  }

  subnetCount(prefix: number): number {
    return 2 ** (prefix - this.prefix);
  }

  equals(o: Cidr4): boolean {
    return this.network === o.network && this.prefix === o.prefix;
  }

  toString(): string {
    return `${ip4ToString(this.network)}/${this.prefix}`;
  }
}

/** An address on an interface: the address plus the prefix of its connected subnet (`10.244.1.1/24`). */
export interface IfAddr {
  readonly ip: Ip4;
  readonly prefix: number;
}

export function ifAddrToString(a: IfAddr): string {
  return `${ip4ToString(a.ip)}/${a.prefix}`;
}

export function ifAddrSubnet(a: IfAddr): Cidr4 {
  return new Cidr4(a.ip, a.prefix);
}

/** Parses `10.244.1.5/24` keeping the host part. */
export function parseIfAddr(text: string, where?: string): IfAddr {
  const c = Cidr4.parse(text, where, { allowHostBits: true });
  const ipText = text.trim().split('/')[0] ?? '';
  return { ip: parseIp4(ipText, where), prefix: c.prefix };
}

/**
 * Canonical "a.b.c.d/len" text (a canonical address, a prefix of one or two digits up to 32) read by hand: what CNI
 * results and plugins' kernel calls hold almost always. Anything else gives undefined and the caller takes
 * parseIfAddr or Cidr4.parse, which accept the same texts with the same answer and word the errors.
 */
export function canonicalIfAddr(text: string): IfAddr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const n = text.length - slash - 1;
  if (n < 1 || n > 2) return undefined;
  let prefix = 0;
  for (let i = slash + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    prefix = prefix * 10 + (c - 48);
  }
  if (prefix > 32) return undefined;
  const ip = canonicalIp4(text, 0, slash);
  return ip === undefined ? undefined : { ip, prefix };
}

/** Cidr4.parse's answer for canonical text without host bits, else undefined (the caller words the error). */
export function canonicalCidr4(text: string): Cidr4 | undefined {
  const p = canonicalIfAddr(text);
  if (p === undefined) return undefined;
  const c = new Cidr4(p.ip, p.prefix);
  return c.network === p.ip ? c : undefined;
}
