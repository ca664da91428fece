import { parseRuleFast } from './fast-rule.js';
import type { ParseIntern } from './rule-parse.js';
import type { Chain, Counters, Match, Rule, TableName, Target } from './types.js';

/** The restore input a table block's lazy rules point into, with what parsing them again needs. */
export interface RuleSource {
  readonly text: string;
  readonly table: TableName;
  /** The restore's shared targets and statistic matches, so a rule parsed again shares them too. */
  readonly intern: ParseIntern;
  /** Whether `text` holds a backslash at all (parseRuleFast's quoting shortcut). */
  readonly backslashes: boolean;
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
    /** The target when it is a jump or goto to a chain (the restore counts references with it); else undefined. */
    readonly jump: Target | undefined,
  ) {}

  get target(): Target | undefined {
    return this.jump ?? this.resolve().target;
  }

  /** The parsed rule (made on first use, then kept). */
  resolve(): Rule {
    if (this.parsed === undefined) {
      const { text, table, intern, backslashes } = this.src;
      const start = this.start;
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const sp = text.indexOf(' ', start + 3);
      const r = parseRuleFast(text, start, sp, end, text.slice(start, end), this.lineNo, table, intern, backslashes);
      // The restore parsed this very line with the same parser and kept it only if it parsed.
      if (r === undefined) throw new Error(`netfilter: line ${this.lineNo} no longer parses as it did at restore`);
      this.parsed = r;
    }
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

/**
 * A chain holding lazy rules: `rules` are the parsed rules, made when first read. A later restore
 * with --noflush carries `entries` over without parsing them.
 */
export class LazyChain implements Chain {
  private parsed: readonly Rule[] | undefined;

  constructor(
    readonly name: string,
    readonly policy: 'ACCEPT' | 'DROP' | undefined,
    /** The rules as restored: LazyRule or already parsed. */
    readonly entries: readonly Rule[],
    readonly counters: Counters,
  ) {}

  get rules(): readonly Rule[] {
    if (this.parsed === undefined) this.parsed = this.entries.map((r) => (r instanceof LazyRule ? r.resolve() : r));
    return this.parsed;
  }
}

/** A chain's rules as restored (lazy ones not parsed). */
export function chainEntries(c: Chain): readonly Rule[] {
  return c instanceof LazyChain ? c.entries : c.rules;
}
