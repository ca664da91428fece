import type { Match, RuleWhere } from '../types.js';

/** One option as written on a rule: `! --dport 80` → {name: 'dport', invert: true, values: ['80']}. */
export interface ParsedOpt {
  readonly name: string;
  readonly invert: boolean;
  readonly values: readonly string[];
}

/** What a match or target builder may know about the rule it belongs to. */
export interface BuildCtx {
  readonly where: RuleWhere;
  /** The rule's `-p` protocol number (undefined: any), and whether `-p` was inverted. */
  readonly proto: number | undefined;
  /** Throws the parse error for this rule's line. */
  fail(message: string): never;
}

/**
 * A match extension as iptables loads it with `-m name`: which long options it owns (and how
 * many values each takes; aliases map to the canonical name) and how to build the Match.
 */
export interface MatchModule {
  readonly name: string;
  readonly options: Readonly<Record<string, number>>;
  readonly aliases?: Readonly<Record<string, string>>;
  build(opts: readonly ParsedOpt[], b: BuildCtx): Match;
}

/** Parses an unsigned 32-bit number in C notation (`0x4000`, `16384`), as xtables_strtoui does. */
export function parseU32(text: string, b: BuildCtx, what: string): number {
  const ok = isDigits(text) || /^0x[0-9a-fA-F]+$/.test(text);
  const n = ok ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) b.fail(`bad ${what} "${text}"`);
  return n >>> 0;
}

/** `value[/mask]` as mark matches and MARK take it; the mask defaults to all ones. */
export function parseMarkMask(text: string, b: BuildCtx, what: string): { value: number; mask: number; hasMask: boolean } {
  const [v, m, extra] = text.split('/');
  if (v === undefined || extra !== undefined) b.fail(`bad ${what} "${text}"`);
  const value = parseU32(v, b, what);
  const mask = m === undefined ? 0xffffffff : parseU32(m, b, what);
  return { value, mask, hasMask: m !== undefined };
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** A port or `a:b` range (`:b` = 0:b, `a:` = a:65535), as the tcp/udp/multiport matches take it. */
export function parsePortRange(text: string, b: BuildCtx): [number, number] {
  const port = (s: string, dflt: number): number => {
    if (s === '') return dflt;
    if (!isDigits(s) || Number(s) > 65535) b.fail(`invalid port/service "${s}" specified`);
    return Number(s);
  };
  const i = text.indexOf(':');
  if (i < 0) {
    const p = port(text, -1);
    if (p < 0) b.fail(`invalid port/service "${text}" specified`);
    return [p, p];
  }
  const lo = port(text.slice(0, i), 0);
  const hi = port(text.slice(i + 1), 65535);
  if (lo > hi) b.fail(`invalid portrange "${text}" (min > max)`);
  return [lo, hi];
}

export function portRangeText([lo, hi]: readonly [number, number]): string {
  return lo === hi ? `${lo}` : `${lo}:${hi}`;
}

/** Interface name match with iptables' trailing `+` wildcard. */
export function ifaceMatcher(pattern: string): (dev: string | undefined) => boolean {
  if (pattern.endsWith('+')) {
    const prefix = pattern.slice(0, -1);
    return (dev) => dev !== undefined && dev.startsWith(prefix);
  }
  return (dev) => dev === pattern;
}

/**
 * The options one module got, each at most once (iptables: "multiple --x flags not allowed").
 * A rule has a handful of options, so a linear scan beats building a Map per rule.
 */
export class OptSet {
  constructor(private readonly opts: readonly ParsedOpt[]) {}

  get size(): number {
    return this.opts.length;
  }

  get(name: string): ParsedOpt | undefined {
    for (const o of this.opts) if (o.name === name) return o;
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  values(): IterableIterator<ParsedOpt> {
    return this.opts.values();
  }
}

export function single(opts: readonly ParsedOpt[], b: BuildCtx): OptSet {
  for (let i = 1; i < opts.length; i++) {
    const name = opts[i]?.name;
    for (let j = 0; j < i; j++) if (opts[j]?.name === name) b.fail(`multiple --${name ?? ''} options not allowed`);
  }
  return new OptSet(opts);
}

export function noInvert(o: ParsedOpt | undefined, b: BuildCtx): void {
  if (o?.invert === true) b.fail(`"!" is not allowed before --${o.name}`);
}

export function inv(o: ParsedOpt): string[] {
  return o.invert ? ['!'] : [];
}

/** `^[0-9]+$` without a regex (runs for most of 100k rules). */
export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
