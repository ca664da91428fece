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
 * objects) and builds the same compact matches the general parser builds. The line is s[start, end)
 * (its text, as kept on the rule, is `text`) and its arguments after `-A CHAIN` are s[from, end):
 * restore passes the whole input text, so every character read is from one flat string (reading
 * through a per-line slice costs an indirection per character) and words are compared by char
 * code, never sliced. Anything else, and
 * anything the general parser would reject, returns undefined so the general parser (with its
 * exact error messages) handles the line: the fast path never accepts what it would refuse.
 */
export function parseRuleFast(
  s: string,
  start: number,
  from: number,
  end: number,
  text: string,
  lineNo: number,
  table: string,
  intern: ParseIntern,
  /** False only when the caller knows `s` has no backslash at all (then quotes need no escape check). */
  backslashes = true,
): Rule | undefined {
  const sc = SCANNER;
  sc.reset(s, from, end, backslashes);

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
    const opt = sc.option();
    if (opt === O_NOT) {
      if (invert) return undefined;
      invert = true;
      continue;
    }
    if (opt === O_SRC || opt === O_DST) {
      const dst = opt === O_DST;
      if ((flags & (dst ? F_DST : F_SRC)) !== 0 || sc.next() !== 1) return undefined;
      const slash = charIn(s, 47, sc.a, sc.b);
      const ip = ip4At(s, sc.a, slash, false);
      if (ip < 0) return undefined;
      let mask = -1;
      if (slash < sc.b) {
        const len = digitsAt(s, slash + 1, sc.b);
        if (len < 0 || len > 32 || sc.b - slash - 1 > 2) return undefined;
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
    if (opt === O_PROTO) {
      if (proto >= 0 || sc.next() !== 1) return undefined;
      proto = sc.eq('tcp') ? 6 : sc.eq('udp') ? 17 : sc.eq('sctp') ? 132 : sc.eq('all') ? 0 : -2;
      if (proto === -2) return undefined;
      continue;
    }
    if (opt === O_MATCH) {
      if (sc.next() !== 1) return undefined;
      if (sc.eq('comment')) {
        if (commentStart >= 0 || sc.next() !== 1 || !sc.eq('--comment') || sc.next() !== 1 || sc.b - sc.a > 255 || sc.a - start >= 1 << 22) return undefined;
        commentStart = sc.a;
        commentEnd = sc.b;
        order = order * 8 + K_COMMENT;
      } else if (sc.eq('tcp') || sc.eq('udp') || sc.eq('sctp')) {
        if (portModule !== undefined) return undefined;
        portModule = sc.eq('tcp') ? 'tcp' : sc.eq('udp') ? 'udp' : 'sctp';
        order = order * 8 + K_PORT;
      } else if (sc.eq('statistic')) {
        if (stat !== undefined || sc.next() !== 1 || !sc.eq('--mode') || sc.next() !== 1 || !sc.eq('random') || sc.next() !== 1 || !sc.eq('--probability') || sc.next() !== 1) return undefined;
        const literal = s.slice(sc.a, sc.b);
        stat = intern.statistics.get(literal);
        if (stat === undefined) {
          const p = /^(\d+(\.\d*)?|\.\d+)$/.test(literal) ? Number(literal) : NaN;
          if (!(p >= 0 && p <= 1)) return undefined;
          stat = new StatisticRandomMatch(kernelProbability(p), false, literal);
          intern.statistics.set(literal, stat);
        }
        order = order * 8 + K_STATISTIC;
      } else if (sc.eq('mark')) {
        if (mark !== undefined || sc.next() !== 1) return undefined;
        const inv = sc.eq('!');
        if ((inv && sc.next() !== 1) || !sc.eq('--mark') || sc.next() !== 1) return undefined;
        const slash = charIn(s, 47, sc.a, sc.b);
        const value = u32At(s, sc.a, slash);
        const m = slash < sc.b ? u32At(s, slash + 1, sc.b) : 0xffffffff;
        if (value < 0 || m < 0) return undefined;
        mark = new MarkMatch('mark', value, m, inv);
        order = order * 8 + K_MARK;
      } else return undefined;
      continue;
    }
    if (opt === O_DPORT || opt === O_SPORT) {
      const isDst = opt === O_DPORT;
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
    if (opt === O_JUMP) {
      if (sc.next() !== 1) return undefined;
      if (sc.eq('DNAT')) {
        if (table !== 'nat' || sc.next() !== 1 || !sc.eq('--to-destination') || sc.next() !== 1) return undefined;
        const colon = charIn(s, 58, sc.a, sc.b);
        const ip = ip4At(s, sc.a, colon, true);
        if (ip < 0) return undefined;
        let port = -1;
        if (colon < sc.b) {
          if (proto !== 6 && proto !== 17 && proto !== 132) return undefined;
          port = digitsAt(s, colon + 1, sc.b);
          if (port < 0 || port > 65535) return undefined;
        }
        target = new DnatTarget(ip4(ip), ip4(ip), port, port, false, false);
      } else if (sc.eq('RETURN')) target = RETURN;
      else if (sc.eq('ACCEPT')) target = ACCEPT;
      else if (sc.eq('DROP')) target = DROP;
      else {
        // kube-proxy's chains (no target extension is called KUBE-…); other names: general path.
        if (sc.b - sc.a > 28 || sc.b - sc.a < 5 || !sc.startsWithKube()) return undefined;
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
  // The comment's place in `text`, the line, which starts at `start` in `s`.
  return new FlatRule(target, text, lineNo, hFlags, srcNet, srcMask, dstNet, dstMask, proto > 0 ? proto : 0, commentStart < 0 ? -1 : commentStart - start, commentEnd < 0 ? -1 : commentEnd - start, portProto, sport, dport, stat, mark, order);
}

const PORT_PROTO = { tcp: 6, udp: 17, sctp: 132 } as const;

/** Option words, as Scanner.option classifies the current argument. */
const O_OTHER = 0;
const O_NOT = 1;
const O_SRC = 2;
const O_DST = 3;
const O_PROTO = 4;
const O_MATCH = 5;
const O_JUMP = 6;
const O_DPORT = 7;
const O_SPORT = 8;

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

/** The first position of char code `c` in s[a, b), or b. */
function charIn(s: string, c: number, a: number, b: number): number {
  for (let i = a; i < b; i++) if (s.charCodeAt(i) === c) return i;
  return b;
}

/** A cursor over one line's arguments (one instance, reused: no allocation per line). */
class Scanner {
  s = '';
  n = 0;
  pos = 0;
  /** The current argument is s[a, b) (inside the quotes for a quoted one). */
  a = 0;
  b = 0;

  /** Whether `s` may hold a backslash (quoted arguments are then checked for escapes). */
  backslashes = true;

  /** Scans s[pos, end). */
  reset(s: string, pos: number, end: number, backslashes: boolean): void {
    this.backslashes = backslashes;
    this.s = s;
    this.n = end;
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
      // indexOf runs over the flat text far faster than a char loop (comments are a third of it).
      const close = s.indexOf('"', pos + 1);
      if (close < 0 || close >= n) return -1;
      if (this.backslashes && charIn(s, 92, pos + 1, close) < close) return -1;
      if (close + 1 < n && s.charCodeAt(close + 1) !== 32) return -1;
      this.a = pos + 1;
      this.b = close;
      this.pos = close + 1;
      return 1;
    }
    this.a = pos;
    while (pos < n) {
      const c = s.charCodeAt(pos);
      // One comparison for ordinary characters: space, tab, CR, LF, `!` and `"` are all <= 34.
      if (c <= 34) {
        if (c === 32) break;
        if (c !== 33) return -1;
      } else if (c === 92) return -1;
      pos++;
    }
    this.b = pos;
    this.pos = pos;
    return 1;
  }

  /** What option word the current argument is (O_OTHER for anything else). */
  option(): number {
    const s = this.s;
    const a = this.a;
    const len = this.b - a;
    const c0 = s.charCodeAt(a);
    if (len === 1) return c0 === 33 ? O_NOT : O_OTHER;
    if (c0 !== 45) return O_OTHER;
    const c1 = s.charCodeAt(a + 1);
    if (len === 2) return c1 === 115 ? O_SRC : c1 === 100 ? O_DST : c1 === 112 ? O_PROTO : c1 === 109 ? O_MATCH : c1 === 106 ? O_JUMP : O_OTHER;
    if (len === 7 && c1 === 45 && s.charCodeAt(a + 3) === 112 && s.charCodeAt(a + 4) === 111 && s.charCodeAt(a + 5) === 114 && s.charCodeAt(a + 6) === 116) {
      const c2 = s.charCodeAt(a + 2);
      return c2 === 100 ? O_DPORT : c2 === 115 ? O_SPORT : O_OTHER;
    }
    return O_OTHER;
  }

  /** Whether the current argument is exactly `w` (compared by char code: no slice, no builtin call). */
  eq(w: string): boolean {
    const a = this.a;
    const len = w.length;
    if (this.b - a !== len) return false;
    const s = this.s;
    for (let i = 0; i < len; i++) if (s.charCodeAt(a + i) !== w.charCodeAt(i)) return false;
    return true;
  }

  /** Whether the current argument starts with `KUBE-`. */
  startsWithKube(): boolean {
    const s = this.s;
    const a = this.a;
    return s.charCodeAt(a) === 75 && s.charCodeAt(a + 1) === 85 && s.charCodeAt(a + 2) === 66 && s.charCodeAt(a + 3) === 69 && s.charCodeAt(a + 4) === 45;
  }
}

const SCANNER = new Scanner();
