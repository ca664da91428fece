import { PROTO_NUMBER, ip4ToString, prefixMask } from '../../../addr/index.js';
import type { EvalCtx, IndexHints, Match } from '../types.js';
import { type BuildCtx, ifaceMatcher } from './module.js';

/** The built-in part of a rule (struct ipt_ip): `-s -d -i -o -p`, each optionally inverted. */
export interface IpHeaderSpec {
  src?: { text: string; invert: boolean };
  dst?: { text: string; invert: boolean };
  inIf?: { text: string; invert: boolean };
  outIf?: { text: string; invert: boolean };
  proto?: { text: string; invert: boolean };
}

const PROTO_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 132: 'sctp', 0: 'all' };

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
  const [a, m, extra] = text.split('/');
  const ip = a === undefined ? undefined : fastIp4(a);
  if (ip === undefined || extra !== undefined) return b.fail(`host/network "${text}" not found`);
  let mask = 0xffffffff;
  if (m !== undefined) {
    if (/^\d{1,2}$/.test(m) && Number(m) <= 32) mask = prefixMask(Number(m));
    else {
      const mm = fastIp4(m);
      if (mm === undefined) return b.fail(`invalid mask "${m}" specified`);
      mask = mm;
    }
  }
  return { net: (ip & mask) >>> 0, mask: mask >>> 0 };
}

function maskText(mask: number): string {
  for (let len = 0; len <= 32; len++) if (prefixMask(len) === mask) return `${len}`;
  return ip4ToString(mask);
}

/** Builds the header match; undefined when the rule has none of `-s -d -i -o -p`. */
export function buildIpHeader(spec: IpHeaderSpec, b: BuildCtx): Match | undefined {
  const tests: ((ctx: EvalCtx) => boolean)[] = [];
  const save: string[] = [];
  const hints: IndexHints = {};
  const addr = (o: { text: string; invert: boolean }, flag: string, pick: (ctx: EvalCtx) => number): void => {
    const { net, mask } = parseAddrMask(o.text, b);
    const inv = o.invert;
    tests.push((ctx) => (((pick(ctx) & mask) >>> 0) === net) !== inv);
    save.push(...(inv ? ['!'] : []), flag, `${ip4ToString(net)}/${maskText(mask)}`);
    if (flag === '-d' && !inv && mask === 0xffffffff) hints.dst = net;
  };
  if (spec.src !== undefined) addr(spec.src, '-s', (ctx) => ctx.skb.packet.src);
  if (spec.dst !== undefined) addr(spec.dst, '-d', (ctx) => ctx.skb.packet.dst);
  const iface = (o: { text: string; invert: boolean }, flag: string, pick: (ctx: EvalCtx) => string | undefined): void => {
    const m = ifaceMatcher(o.text);
    const inv = o.invert;
    tests.push((ctx) => m(pick(ctx)) !== inv);
    save.push(...(inv ? ['!'] : []), flag, o.text);
  };
  if (spec.inIf !== undefined) iface(spec.inIf, '-i', (ctx) => ctx.skb.inDev);
  if (spec.outIf !== undefined) iface(spec.outIf, '-o', (ctx) => ctx.skb.outDev);
  if (spec.proto !== undefined) {
    const num = parseProto(spec.proto.text, b);
    const inv = spec.proto.invert;
    if (num !== 0 || inv) {
      tests.push((ctx) => (PROTO_NUMBER[ctx.skb.packet.proto] === num) !== inv);
      save.push(...(inv ? ['!'] : []), '-p', PROTO_NAMES[num] ?? `${num}`);
      if (!inv) hints.proto = num;
    }
  }
  if (tests.length === 0 && save.length === 0) return undefined;
  const evaluate = compileAll(tests);
  return { module: '', implicit: false, saveArgs: save, hints, evaluate };
}

function compileAll(tests: readonly ((ctx: EvalCtx) => boolean)[]): (ctx: EvalCtx) => boolean {
  const [a, b2, c] = tests;
  if (a === undefined) return () => true;
  if (b2 === undefined) return a;
  if (c === undefined) return (ctx) => a(ctx) && b2(ctx);
  return (ctx) => tests.every((t) => t(ctx));
}
