import { type IpProto, PROTO_NUMBER, ip4ToString, prefixMask } from '../../../addr/index.js';
import type { EvalCtx, IndexHints, Match } from '../types.js';
import { type BuildCtx, isDigits } from './module.js';

/** The built-in part of a rule (struct ipt_ip): `-s -d -i -o -p`, each optionally inverted. */
export interface IpHeaderSpec {
  src?: { text: string; invert: boolean };
  dst?: { text: string; invert: boolean };
  inIf?: { text: string; invert: boolean };
  outIf?: { text: string; invert: boolean };
  proto?: { text: string; invert: boolean };
}

const PROTO_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 132: 'sctp', 0: 'all' };

/**
 * A packet's protocol number, by a switch: `PROTO_NUMBER[p.proto]` is a keyed lookup that V8 turns megamorphic once it
 * has seen two protocol names, a stub-cache probe on every rule test of every packet.
 */
export function protoNumberOf(proto: IpProto): number {
  switch (proto) {
    case 'tcp':
      return 6;
    case 'udp':
      return 17;
    case 'icmp':
      return 1;
    case 'sctp':
      return 132;
  }
}

/** `tcp`, `TCP`, `6`, `all` → protocol number (0 = all), as xtables_parse_protocol accepts them. */
export function parseProto(text: string, b: BuildCtx): number {
  const t = text.toLowerCase();
  if (/^\d+$/.test(t) && Number(t) <= 255) return Number(t);
  if (t === 'all') return 0;
  if (t === 'tcp' || t === 'udp' || t === 'icmp' || t === 'sctp') return PROTO_NUMBER[t];
  return b.fail(`unknown protocol "${text}" specified`);
}

/** `a.b.c.d[/len|/mask]` → network and mask, host bits cleared as iptables does (`10.0.0.1/24` → `10.0.0.0/24`). */
/** Strict dotted quad without the generic parser (this runs for most of 100k rules). */
export function fastIp4(text: string): number | undefined {
  let n = 0;
  let parts = 0;
  let cur = -1;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return undefined;
      cur = (cur < 0 ? 0 : cur * 10) + (c - 48);
    } else if (c === 46) {
      if (cur < 0 || cur > 255 || ++parts > 4) return undefined;
      n = n * 256 + cur;
      cur = -1;
      digits = 0;
    } else return undefined;
  }
  return parts === 4 ? n >>> 0 : undefined;
}

export function parseAddrMask(text: string, b: BuildCtx): { net: number; mask: number } {
  const slash = text.indexOf('/');
  const a = slash < 0 ? text : text.slice(0, slash);
  const m = slash < 0 ? undefined : text.slice(slash + 1);
  const ip = fastIp4(a);
  if (ip === undefined || (m !== undefined && m.includes('/'))) return b.fail(`host/network "${text}" not found`);
  let mask = 0xffffffff;
  if (m !== undefined) {
    if (m.length >= 1 && m.length <= 2 && isDigits(m) && Number(m) <= 32) mask = prefixMask(Number(m));
    else {
      const mm = fastIp4(m);
      if (mm === undefined) return b.fail(`invalid mask "${m}" specified`);
      mask = mm;
    }
  }
  return { net: (ip & mask) >>> 0, mask: mask >>> 0 };
}

function maskText(mask: number): string {
  const m = mask >>> 0;
  for (let len = 0; len <= 32; len++) if (prefixMask(len) === m) return `${len}`;
  return ip4ToString(m);
}

/** IpHeaderMatch flag bits. */
export const F_SRC = 1;
export const F_DST = 2;
export const F_PROTO = 4;
export const INV_SRC = 8;
export const INV_DST = 16;
export const INV_PROTO = 32;
export const INV_IN = 64;
export const INV_OUT = 128;

/**
 * The built-in header test as one compact object (no closures): a kube-proxy dump has one per
 * rule, so its fields are plain numbers and its methods live on the prototype. An absent address
 * has net 0 and mask 0, which every packet passes; an absent interface is undefined. Networks
 * and masks are kept as signed 32-bit values (`x | 0`), which V8 stores inline as small
 * integers rather than as a boxed number per field.
 */
export class IpHeaderMatch implements Match {
  readonly module = '';
  readonly implicit = false;
  readonly srcNet: number;
  readonly srcMask: number;
  readonly dstNet: number;
  readonly dstMask: number;

  constructor(
    readonly flags: number,
    srcNet: number,
    srcMask: number,
    dstNet: number,
    dstMask: number,
    readonly proto: number,
    /** Interface names as written (a trailing `+` is a prefix wildcard). */
    readonly inIf: string | undefined,
    readonly outIf: string | undefined,
  ) {
    this.srcNet = srcNet | 0;
    this.srcMask = srcMask | 0;
    this.dstNet = dstNet | 0;
    this.dstMask = dstMask | 0;
  }

  evaluate(ctx: EvalCtx): boolean {
    const skb = ctx.skb;
    const p = skb.packet;
    const f = this.flags;
    if (((p.src & this.srcMask) === this.srcNet) === ((f & INV_SRC) !== 0)) return false;
    if (((p.dst & this.dstMask) === this.dstNet) === ((f & INV_DST) !== 0)) return false;
    if (this.inIf !== undefined && ifaceMatches(this.inIf, skb.inDev) === ((f & INV_IN) !== 0)) return false;
    if (this.outIf !== undefined && ifaceMatches(this.outIf, skb.outDev) === ((f & INV_OUT) !== 0)) return false;
    if ((f & F_PROTO) !== 0 && (protoNumberOf(p.proto) === this.proto) === ((f & INV_PROTO) !== 0)) return false;
    return true;
  }

  get saveArgs(): string[] {
    const f = this.flags;
    const save: string[] = [];
    if ((f & F_SRC) !== 0) save.push(...((f & INV_SRC) !== 0 ? ['!'] : []), '-s', `${ip4ToString(this.srcNet)}/${maskText(this.srcMask)}`);
    if ((f & F_DST) !== 0) save.push(...((f & INV_DST) !== 0 ? ['!'] : []), '-d', `${ip4ToString(this.dstNet)}/${maskText(this.dstMask)}`);
    if (this.inIf !== undefined) save.push(...((f & INV_IN) !== 0 ? ['!'] : []), '-i', this.inIf);
    if (this.outIf !== undefined) save.push(...((f & INV_OUT) !== 0 ? ['!'] : []), '-o', this.outIf);
    if ((f & F_PROTO) !== 0) save.push(...((f & INV_PROTO) !== 0 ? ['!'] : []), '-p', PROTO_NAMES[this.proto] ?? `${this.proto}`);
    return save;
  }

  get hints(): IndexHints {
    const f = this.flags;
    const hints: IndexHints = {};
    if ((f & F_DST) !== 0 && (f & INV_DST) === 0 && this.dstMask === -1) hints.dst = this.dstNet >>> 0;
    if ((f & F_PROTO) !== 0 && (f & INV_PROTO) === 0) hints.proto = this.proto;
    // Only `-d ip/32` and `-p P`, both as hinted: the keys say all the match tests.
    const keyed = (f & (F_DST | F_PROTO)) === f && ((f & F_DST) === 0 || hints.dst !== undefined) && ((f & F_PROTO) === 0 || hints.proto !== undefined);
    if (keyed && this.inIf === undefined && this.outIf === undefined) hints.exact = true;
    return hints;
  }
}

/** Interface name match with iptables' trailing `+` wildcard. */
function ifaceMatches(pattern: string, dev: string | undefined): boolean {
  if (dev === undefined) return false;
  const n = pattern.length - 1;
  if (n >= 0 && pattern.charCodeAt(n) === 43) return dev.startsWith(n === 0 ? '' : pattern.slice(0, n));
  return dev === pattern;
}

/** Builds the header match; undefined when the rule has none of `-s -d -i -o -p`. */
export function buildIpHeader(spec: IpHeaderSpec, b: BuildCtx): Match | undefined {
  let flags = 0;
  let srcNet = 0;
  let srcMask = 0;
  let dstNet = 0;
  let dstMask = 0;
  let proto = 0;
  if (spec.src !== undefined) {
    ({ net: srcNet, mask: srcMask } = parseAddrMask(spec.src.text, b));
    flags |= F_SRC | (spec.src.invert ? INV_SRC : 0);
  }
  if (spec.dst !== undefined) {
    ({ net: dstNet, mask: dstMask } = parseAddrMask(spec.dst.text, b));
    flags |= F_DST | (spec.dst.invert ? INV_DST : 0);
  }
  if (spec.inIf?.invert === true) flags |= INV_IN;
  if (spec.outIf?.invert === true) flags |= INV_OUT;
  if (spec.proto !== undefined) {
    const num = parseProto(spec.proto.text, b);
    if (num !== 0 || spec.proto.invert) {
      proto = num;
      flags |= F_PROTO | (spec.proto.invert ? INV_PROTO : 0);
    }
  }
  if ((flags & (F_SRC | F_DST | F_PROTO)) === 0 && spec.inIf === undefined && spec.outIf === undefined) return undefined;
  return new IpHeaderMatch(flags, srcNet, srcMask, dstNet, dstMask, proto, spec.inIf?.text, spec.outIf?.text);
}
