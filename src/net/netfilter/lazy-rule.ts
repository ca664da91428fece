import { parseRuleFast } from './fast-rule.js';
import { newIntern, type ParseIntern } from './rule-parse.js';
import { checkKubeShape } from './shape-check.js';
import type { Chain, Counters, Match, Rule, TableName, Target } from './types.js';

/** The restore input a table block's lazy rules point into, with what parsing them again needs. */
export interface RuleSource {
  readonly text: string;
  readonly table: TableName;
  /** The restore's shared targets and statistic matches, so a rule parsed again shares them too. */
  readonly intern: ParseIntern;
  /** Whether `text` holds a backslash at all (parseRuleFast's quoting shortcut). */
  readonly backslashes: boolean;
  /** Offsets of the newlines of `text`, made on first need (line numbers of number entries). */
  newlines: Int32Array | undefined;
}

/** A RuleSource (every one made here, so all have one object shape for the optimizing compiler). */
export function ruleSource(text: string, table: TableName, intern: ParseIntern, backslashes: boolean): RuleSource {
  return { text, table, intern, backslashes, newlines: undefined };
}

/** A chain's `src` while it has no offset entries (a source, not undefined: the field keeps one type). */
export const NO_SOURCE: RuleSource = ruleSource('', 'filter', newIntern(), false);

/**
 * What a restored chain holds per rule: a parsed rule, a LazyRule, or, most often, a number: the
 * offset in its chain's `src.text` of a line checkKubeShape accepted. A number is no object at all
 * (a restored kube-proxy node has ~110,000 rules, and each object is work for the scavenger); its
 * line number, jump and parsed rule are worked out again from the text when asked.
 */
export type Entry = Rule | number;

/** The line number of the line starting at `start` (1 + the newlines before it). */
export function lineOf(src: RuleSource, start: number): number {
  let nl = src.newlines;
  if (nl === undefined) {
    const text = src.text;
    let n = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    nl = new Int32Array(n);
    n = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) nl[n++] = i;
    src.newlines = nl;
  }
  let lo = 0;
  let hi = nl.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((nl[mid] ?? 0) < start) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

function lineEnd(text: string, start: number): number {
  const end = text.indexOf('\n', start);
  return end < 0 ? text.length : end;
}

/** The line at `start` parsed by parseRuleFast, as the restore read it. */
function parseLine(src: RuleSource, start: number, lineNo: number): Rule {
  const { text, table, intern, backslashes } = src;
  const end = lineEnd(text, start);
  const sp = text.indexOf(' ', start + 3);
  const r = parseRuleFast(text, start, sp, end, text.slice(start, end), lineNo, table, intern, backslashes);
  // The restore parsed (or checked) this very line and kept it only if parseRuleFast accepts it.
  if (r === undefined) throw new Error(`netfilter: line ${lineNo} no longer parses as it did at restore`);
  return r;
}

/** The chain a number entry's line jumps to (checkKubeShape accepted it, so its target is the last word), if any. */
export function lineJump(src: RuleSource, start: number): string | undefined {
  const text = src.text;
  const end = lineEnd(text, start);
  const j = checkKubeShape(text, text.indexOf(' ', start + 3), end, src.table === 'nat');
  return j >= 0 ? text.slice(j, end) : undefined;
}

/**
 * A rule of the parser's fast path (kube-proxy's shapes), kept as its place in the restore input.
 *
 * Why: restoring a node of 10,000 Services makes ~110,000 rules, and every object that outlives
 * the young generation is copied by the scavenger, twice: the parsed rule plus its line were most
 * of the collector's work. The line is still parsed (and so validated, errors naming the line) at
 * restore, but what is kept is this small record: a jump's target (the restore checks and counts
 * jumps with it) and where the line is. The parsed rule is made again from the same characters
 * when someone first reads the rule (a trace walks a handful of chains of a 100k-rule table), by
 * the same parser, so it is the rule the restore validated.
 */
export class LazyRule implements Rule {
  private parsed: Rule | undefined;

  constructor(
    private readonly src: RuleSource,
    /** Offset of the line (`-A CHAIN …`) in `src.text`. */
    private readonly start: number,
    readonly lineNo: number,
    /**
     * The chain it jumps to (the restore checks and counts references with it; the string is the
     * chain's own name, so the line's copy of it is not kept); else undefined.
     */
    readonly jump: string | undefined,
  ) {}

  get target(): Target | undefined {
    return this.resolve().target;
  }

  /** The parsed rule (made on first use, then kept). */
  resolve(): Rule {
    if (this.parsed === undefined) this.parsed = parseLine(this.src, this.start, this.lineNo);
    return this.parsed;
  }

  get matches(): readonly Match[] {
    return this.resolve().matches;
  }

  get text(): string {
    return this.resolve().text;
  }

  get spec(): readonly string[] {
    return this.resolve().spec;
  }
}

const F_BUILTIN = 1;
const F_PLAIN = 2;
const F_LAZY = 4;
const F_LOOSE = 8;
const SPAN_SHIFT = 4;
const SPAN_MASK = (1 << SPAN_SHIFT) - 1;
/** The entries of every empty chain (~40,000 are declared before their rules): one array for all. */
const NO_ENTRIES: Entry[] = [];

/** The counters of nearly every chain (iptables-nft starts them at 0), one object for all. */
export const ZERO_COUNTERS: Counters = Object.freeze({ packets: 0n, bytes: 0n });

/**
 * A chain holding lazy rules: `rules` are the parsed rules, made when first read. A later restore
 * with --noflush carries `entries` over without parsing them.
 *
 * It is also the restore's working copy of a chain while a table block is applied (the mutable
 * fields below): the committed chain is that same object, not a copy (a kube-proxy node has
 * ~40,000 chains, and each object less is less for the young-generation GC to copy). Nothing
 * changes it once its table is committed.
 */
export class LazyChain implements Chain {
  private parsed: readonly Rule[] | undefined = undefined;
  counters: Counters;
  /** Rules (in any chain of the table) that jump or go to this chain: -X refuses while > 0. */
  refs = 0;
  /** The text the number entries point into (see Entry). */
  src: RuleSource = NO_SOURCE;
  /** F_* bits, and above them the number of lines in the span: one small field (there are ~40,000 of these). */
  private flags: number;
  /**
   * The chain's rules may be a span of consecutive lines of `src` instead of an array (a chain
   * written in one run, as most of kube-proxy's are: no array per chain): the first line's offset
   * and the last line's end. `entries` turns a span into the array of its line offsets when read.
   */
  private list: Entry[];
  private spanFirst = -1;
  private spanEnd = -1;

  constructor(
    readonly name: string,
    public policy: 'ACCEPT' | 'DROP' | undefined,
    /** The rules as restored (see Entry); read through `entries`. */
    list: Entry[],
    packets: bigint,
    bytes: bigint,
    builtin: boolean,
    lazy: boolean,
    plain: boolean,
  ) {
    this.list = list.length === 0 ? NO_ENTRIES : list;
    this.counters = packets === 0n && bytes === 0n ? ZERO_COUNTERS : { packets, bytes };
    this.flags = (builtin ? F_BUILTIN : 0) | (lazy ? F_LAZY : 0) | (plain ? F_PLAIN : 0);
  }

  /** The rules as restored (see Entry). */
  get entries(): Entry[] {
    const n = this.flags >>> SPAN_SHIFT;
    if (n > 0) {
      const text = this.source().text;
      const list = new Array<Entry>(n);
      let at = this.spanFirst;
      for (let i = 0; i < n; i++) {
        list[i] = at;
        at = text.indexOf('\n', at) + 1;
      }
      this.list = list;
      this.flags &= SPAN_MASK;
    } else if (this.list === NO_ENTRIES) {
      // The shared empty array is never handed out (a caller may push or splice into what it gets).
      this.list = [];
    }
    return this.list;
  }
  set entries(v: Entry[]) {
    this.flags &= SPAN_MASK;
    this.list = v.length === 0 ? NO_ENTRIES : v;
  }

  /**
   * Adds the line src.text[start, end) (an offset entry) to the span when it is the line right
   * after the span's last one, or starts the span when the chain has no rules; false otherwise
   * (the caller appends the offset to `entries`).
   */
  appendLine(start: number, end: number): boolean {
    const n = this.flags >>> SPAN_SHIFT;
    if (n > 0 ? start !== this.spanEnd + 1 : this.list.length !== 0) return false;
    if (n === 0) this.spanFirst = start;
    this.spanEnd = end;
    this.flags += 1 << SPAN_SHIFT;
    return true;
  }

  /** This chain's rules taken over from `c` as they are (a --noflush restore's draft): nothing is read. */
  carry(c: LazyChain): void {
    this.list = c.list.length === 0 ? NO_ENTRIES : c.list.slice();
    this.spanFirst = c.spanFirst;
    this.spanEnd = c.spanEnd;
    this.flags = (this.flags & SPAN_MASK) | (c.flags & ~SPAN_MASK);
    this.src = c.src;
  }

  get builtin(): boolean {
    return (this.flags & F_BUILTIN) !== 0;
  }
  /** The name is one word splitArgs leaves as it is (no quote, backslash or blank): `-A NAME` may be read in place. */
  get plain(): boolean {
    return (this.flags & F_PLAIN) !== 0;
  }
  /** Some of `entries` may be lazy (else the restore commits a plain chain object instead). */
  get lazy(): boolean {
    return (this.flags & F_LAZY) !== 0;
  }
  set lazy(v: boolean) {
    this.flags = v ? this.flags | F_LAZY : this.flags & ~F_LAZY;
  }
  /** `entries` may have spare capacity (spliced into): the restore copies it to its exact size. */
  get loose(): boolean {
    return (this.flags & F_LOOSE) !== 0;
  }
  set loose(v: boolean) {
    this.flags = v ? this.flags | F_LOOSE : this.flags & ~F_LOOSE;
  }

  get rules(): readonly Rule[] {
    if (this.parsed === undefined) {
      this.parsed = this.entries.map((e) => {
        if (typeof e !== 'number') return e instanceof LazyRule ? e.resolve() : e;
        const src = this.source();
        return parseLine(src, e, lineOf(src, e));
      });
    }
    return this.parsed;
  }

  /** An entry as a Rule: a number becomes a LazyRule (nothing is parsed). */
  rule(e: Entry): Rule {
    if (typeof e !== 'number') return e;
    const src = this.source();
    return new LazyRule(src, e, lineOf(src, e), lineJump(src, e));
  }

  private source(): RuleSource {
    if (this.src === NO_SOURCE) throw new Error(`netfilter: chain ${this.name} holds a line offset but no text`);
    return this.src;
  }
}

/** A chain's rules as restored (lazy ones not parsed; number entries as LazyRule). */
export function chainEntries(c: Chain): readonly Rule[] {
  return c instanceof LazyChain ? c.entries.map((e) => (typeof e === 'number' ? c.rule(e) : e)) : c.rules;
}
