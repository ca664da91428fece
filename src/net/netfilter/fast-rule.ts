import { ip4 } from '../../addr/index.js';
import { FlatRule, K_COMMENT, K_MARK, K_PORT, K_PORT_IMPLICIT, K_STATISTIC } from './flat-rule.js';
import { F_DST, F_PROTO, F_SRC, INV_DST, INV_SRC } from './match/ip-header.js';
import { MarkMatch } from './match/mark.js';
import { StatisticRandomMatch, kernelProbability } from './match/statistic.js';
import { DnatTarget } from './target/dnat.js';
import { acceptTarget, chainTarget, dropTarget, returnTarget } from './target/standard.js';
import type { ParseIntern } from './rule-parse.js';
import type { Rule, Target } from './types.js';

/**
 * A fast path for the rule shapes kube-proxy writes by the ten thousand:
 * `[-m comment --comment C] [-m tcp|udp|sctp] [-p P] [[!] -s A] [[!] -d A] [--sport N] [--dport N]
 * [-m statistic --mode random --probability P] [-m mark [!] --mark V[/M]] -j CHAIN|RETURN|ACCEPT|DROP|DNAT --to-destination IP[:PORT]`,
 * in any order, in a user chain. It reads the line in place (no argument array, no option
 * objects) and builds the same compact matches the general parser builds. Anything else, and
 * anything the general parser would reject, returns undefined so the general parser (with its
 * exact error messages) handles the line: the fast path never accepts what it would refuse.
 */
export function parseRuleFast(line: string, from: number, text: string, lineNo: number, table: string, intern: ParseIntern): Rule | undefined {
  const sc = SCANNER;
  sc.reset(line, from);
  const s = line;

  let flags = 0;
  let srcNet = 0;
  let srcMask = 0;
  let dstNet = 0;
  let dstMask = 0;
  let proto = -1; // -1: no -p; 0: all
  let order = 0; // match kinds in load order, base-8 digits (K_*)
  let commentStart = -1;
  let commentEnd = -1;
  let portModule: 'tcp' | 'udp' | 'sctp' | undefined;
  let sport = -1;
  let dport = -1;
  let stat: StatisticRandomMatch | undefined;
  let mark: MarkMatch | undefined;
  let target: Target | undefined;
  let invert = false;

  for (let r = sc.next(); r !== 0; r = sc.next()) {
    if (r < 0 || target !== undefined) return undefined; // odd quoting, or target options: only the shapes handled below
    if (sc.is('!')) {
      if (invert) return undefined;
      invert = true;
      continue;
    }
    if (sc.is('-s') || sc.is('-d')) {
      const dst = s.charCodeAt(sc.a + 1) === 100;
      if ((flags & (dst ? F_DST : F_SRC)) !== 0 || sc.next() !== 1) return undefined;
      const slash = s.indexOf('/', sc.a);
      const end = slash >= 0 && slash < sc.b ? slash : sc.b;
      const ip = ip4At(s, sc.a, end, false);
      if (ip < 0) return undefined;
      let mask = -1;
      if (end < sc.b) {
        const len = digitsAt(s, end + 1, sc.b);
        if (len < 0 || len > 32 || sc.b - end - 1 > 2) return undefined;
        mask = len === 0 ? 0 : -1 << (32 - len);
      }
      if (dst) {
        dstNet = ip & mask; // signed 32-bit, as IpHeaderMatch keeps it
        dstMask = mask;
        flags |= F_DST | (invert ? INV_DST : 0);
      } else {
        srcNet = ip & mask;
        srcMask = mask;
        flags |= F_SRC | (invert ? INV_SRC : 0);
      }
      invert = false;
      continue;
    }
    if (invert) return undefined; // `!` elsewhere: the general parser
    if (sc.is('-p')) {
      if (proto >= 0 || sc.next() !== 1) return undefined;
      proto = sc.is('tcp') ? 6 : sc.is('udp') ? 17 : sc.is('sctp') ? 132 : sc.is('all') ? 0 : -2;
      if (proto === -2) return undefined;
      continue;
    }
    if (sc.is('-m')) {
      if (sc.next() !== 1) return undefined;
      if (sc.is('comment')) {
        if (commentStart >= 0 || sc.next() !== 1 || !sc.is('--comment') || sc.next() !== 1 || sc.b - sc.a > 255) return undefined;
        commentStart = sc.a;
        commentEnd = sc.b;
        order = order * 8 + K_COMMENT;
      } else if (sc.is('tcp') || sc.is('udp') || sc.is('sctp')) {
        if (portModule !== undefined) return undefined;
        portModule = sc.is('tcp') ? 'tcp' : sc.is('udp') ? 'udp' : 'sctp';
        order = order * 8 + K_PORT;
      } else if (sc.is('statistic')) {
        if (stat !== undefined || sc.next() !== 1 || !sc.is('--mode') || sc.next() !== 1 || !sc.is('random') || sc.next() !== 1 || !sc.is('--probability') || sc.next() !== 1) return undefined;
        const literal = s.slice(sc.a, sc.b);
        stat = intern.statistics.get(literal);
        if (stat === undefined) {
          const p = /^(\d+(\.\d*)?|\.\d+)$/.test(literal) ? Number(literal) : NaN;
          if (!(p >= 0 && p <= 1)) return undefined;
          stat = new StatisticRandomMatch(kernelProbability(p), false, literal);
          intern.statistics.set(literal, stat);
        }
        order = order * 8 + K_STATISTIC;
      } else if (sc.is('mark')) {
        if (mark !== undefined || sc.next() !== 1) return undefined;
        const inv = sc.is('!');
        if ((inv && sc.next() !== 1) || !sc.is('--mark') || sc.next() !== 1) return undefined;
        const slash = s.indexOf('/', sc.a);
        const end = slash >= 0 && slash < sc.b ? slash : sc.b;
        const value = u32At(s, sc.a, end);
        const m = end < sc.b ? u32At(s, end + 1, sc.b) : 0xffffffff;
        if (value < 0 || m < 0) return undefined;
        mark = new MarkMatch('mark', value, m, inv);
        order = order * 8 + K_MARK;
      } else return undefined;
      continue;
    }
    if (sc.is('--dport') || sc.is('--sport')) {
      const isDst = sc.is('--dport');
      if (portModule === undefined) {
        // iptables loads the -p protocol's match implicitly for its options.
        if (proto !== 6 && proto !== 17 && proto !== 132) return undefined;
        portModule = proto === 6 ? 'tcp' : proto === 17 ? 'udp' : 'sctp';
        order = order * 8 + K_PORT_IMPLICIT;
      }
      if ((isDst ? dport : sport) >= 0 || sc.next() !== 1) return undefined;
      const port = digitsAt(s, sc.a, sc.b);
      if (port < 0 || port > 65535) return undefined;
      if (isDst) dport = port;
      else sport = port;
      continue;
    }
    if (sc.is('-j')) {
      if (sc.next() !== 1) return undefined;
      if (sc.is('DNAT')) {
        if (table !== 'nat' || sc.next() !== 1 || !sc.is('--to-destination') || sc.next() !== 1) return undefined;
        const colon = s.indexOf(':', sc.a);
        const end = colon >= 0 && colon < sc.b ? colon : sc.b;
        const ip = ip4At(s, sc.a, end, true);
        if (ip < 0) return undefined;
        let port = -1;
        if (end < sc.b) {
          if (proto !== 6 && proto !== 17 && proto !== 132) return undefined;
          port = digitsAt(s, end + 1, sc.b);
          if (port < 0 || port > 65535) return undefined;
        }
        target = new DnatTarget(ip4(ip), ip4(ip), port, port, false, false);
      } else if (sc.is('RETURN')) target = RETURN;
      else if (sc.is('ACCEPT')) target = ACCEPT;
      else if (sc.is('DROP')) target = DROP;
      else {
        // kube-proxy's chains (no target extension is called KUBE-…); other names: general path.
        if (sc.b - sc.a > 28 || !s.startsWith('KUBE-', sc.a)) return undefined;
        const name = s.slice(sc.a, sc.b);
        let t = intern.targets.get(name);
        if (t === undefined) {
          t = chainTarget(name, false);
          intern.targets.set(name, t);
        }
        target = t;
      }
      continue;
    }
    return undefined;
  }
  if (invert || target === undefined) return undefined;
  const portProto = portModule === undefined ? 0 : PORT_PROTO[portModule];
  const hFlags = flags | (proto > 0 ? F_PROTO : 0);
  return new FlatRule(target, text, lineNo, hFlags, srcNet, srcMask, dstNet, dstMask, proto > 0 ? proto : 0, commentStart, commentEnd, portProto, sport, dport, stat, mark, order);
}

const PORT_PROTO = { tcp: 6, udp: 17, sctp: 132 } as const;

const noOpts = { where: { table: 'nat', chain: '', lineNo: 0 }, proto: undefined, fail: (m: string): never => { throw new Error(m); } } as const;
const RETURN = returnTarget.build([], noOpts);
const ACCEPT = acceptTarget.build([], noOpts);
const DROP = dropTarget.build([], noOpts);

/** Decimal digits in s[a, b) as a number (at most 10 digits), or -1. */
function digitsAt(s: string, a: number, b: number): number {
  if (b <= a || b - a > 10) return -1;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** `0x…` or decimal u32 in s[a, b), as xtables_strtoui takes it, or -1. */
function u32At(s: string, a: number, b: number): number {
  let v: number;
  if (b - a > 2 && s.startsWith('0x', a)) {
    v = 0;
    for (let i = a + 2; i < b; i++) {
      const c = s.charCodeAt(i);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0 || i - a > 10) return -1;
      v = v * 16 + d;
    }
  } else v = digitsAt(s, a, b);
  return v > 0xffffffff ? -1 : v;
}

/**
 * A dotted quad in s[a, b) as an unsigned 32-bit value, or -1. `strict` also refuses
 * octal-looking leading zeros (as --to-destination's parser does).
 */
function ip4At(s: string, a: number, b: number, strict: boolean): number {
  let v = 0;
  let parts = 0;
  let cur = -1;
  let digits = 0;
  for (let i = a; i <= b; i++) {
    const c = i < b ? s.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      if (++digits > 3 || (strict && cur === 0)) return -1;
      cur = (cur < 0 ? 0 : cur * 10) + (c - 48);
    } else if (c === 46) {
      if (cur < 0 || cur > 255 || ++parts > 4) return -1;
      v = v * 256 + cur;
      cur = -1;
      digits = 0;
    } else return -1;
  }
  return parts === 4 ? v : -1;
}

/** A cursor over one line's arguments (one instance, reused: no allocation per line). */
class Scanner {
  s = '';
  n = 0;
  pos = 0;
  /** The current argument is s[a, b) (inside the quotes for a quoted one). */
  a = 0;
  b = 0;

  reset(s: string, pos: number): void {
    this.s = s;
    this.n = s.length;
    this.pos = pos;
  }

  /** 1: an argument; 0: end of line; -1: something splitArgs treats specially (tabs, escapes, quotes inside a word). */
  next(): number {
    const s = this.s;
    const n = this.n;
    let pos = this.pos;
    while (pos < n && s.charCodeAt(pos) === 32) pos++;
    if (pos >= n) {
      this.pos = pos;
      return 0;
    }
    if (s.charCodeAt(pos) === 34) {
      const close = s.indexOf('"', pos + 1);
      if (close < 0) return -1;
      for (let i = pos + 1; i < close; i++) if (s.charCodeAt(i) === 92) return -1;
      if (close + 1 < n && s.charCodeAt(close + 1) !== 32) return -1;
      this.a = pos + 1;
      this.b = close;
      this.pos = close + 1;
      return 1;
    }
    this.a = pos;
    while (pos < n) {
      const c = s.charCodeAt(pos);
      if (c === 32) break;
      if (c === 34 || c === 9 || c === 10 || c === 13 || c === 92) return -1;
      pos++;
    }
    this.b = pos;
    this.pos = pos;
    return 1;
  }

  is(w: string): boolean {
    return this.b - this.a === w.length && this.s.startsWith(w, this.a);
  }
}

const SCANNER = new Scanner();
