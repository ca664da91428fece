/**
 * iptables-restore's handling of one `*table … COMMIT` block, command by command, against a draft
 * of the table (so a jump must name a chain that exists at that line, -X refuses a chain still
 * referenced, and the table is replaced only when the whole block applied). The drafts are the
 * committed chains themselves (LazyChain) and their Map the committed table's.
 */
import type { IpsetRegistry } from './ipset/index.js';
import { parseError, ruleSaveArgs } from './rule-parse.js';
import { FlatRule } from './flat-rule.js';
import { type Entry, LazyChain, LazyRule, lineJump, NO_SOURCE, type RuleSource, ZERO_COUNTERS } from './lazy-rule.js';
import type { RestoreCommand } from './save-parse.js';
import type { Chain, Rule, Table, TableName } from './types.js';
import { BUILTIN_CHAINS } from './types.js';
import { ChainFinder } from './chain-finder.js';
import { isPlainWord } from './tokenize.js';

export interface RestoreOptions {
  /** `iptables-restore --noflush`: keep what is not mentioned; `:CHAIN` lines flush (or create) that chain. */
  readonly noflush?: boolean;
  /** When given, `-m set --match-set NAME` must name an existing set (iptables checks at restore). */
  readonly ipsets?: IpsetRegistry;
  /** `iptables-restore --counters`: take `[packets:bytes]` from chain lines (otherwise they start at 0, as iptables-nft does). */
  readonly counters?: boolean;
}

/** A chain of the block being applied (see LazyChain). */
type Draft = LazyChain;

function draft(name: string, policy: 'ACCEPT' | 'DROP' | undefined, rules: Entry[], packets: bigint, bytes: bigint, builtin: boolean, lazy: boolean): Draft {
  return new LazyChain(name, policy, rules, packets, bytes, builtin, lazy, isPlainWord(name));
}

/**
 * The reference counts (chain → rules jumping to it) of the plain (not lazy) chains of the tables
 * restore committed, by their chains Map (a LazyChain keeps its own count in `refs`): a --noflush
 * restore starts from them instead of reading every rule's jump again.
 */
const COMMITTED_REFS = new WeakMap<ReadonlyMap<string, Chain>, ReadonlyMap<string, number>>();

const BUILTIN_SETS: Readonly<Record<TableName, ReadonlySet<string>>> = {
  raw: new Set(BUILTIN_CHAINS.raw),
  mangle: new Set(BUILTIN_CHAINS.mangle),
  nat: new Set(BUILTIN_CHAINS.nat),
  filter: new Set(BUILTIN_CHAINS.filter),
};

function isBuiltin(table: TableName, chain: string): boolean {
  return BUILTIN_SETS[table].has(chain);
}

/** applyBlock one command at a time (restore streams commands into it as they are parsed). */
export class BlockApplier {
  private readonly name: TableName;
  private readonly chains = new Map<string, Draft>();
  /**
   * Appends are gathered per run of consecutive lines to one chain (kube-proxy writes each chain's
   * rules in one or a few runs) in a reused array, and the run lands in its chain as one array of
   * exact size: no per-chain array growing by pushes, no copy at finish. Every other command and
   * finish() first close the run, so they see the chain as the lines so far made it.
   */
  private runChain: string | undefined;
  private runDraft: Draft | undefined;
  private readonly run: Entry[] = [];
  private runLen = 0;
  /** Drafts by name, found in place in the input (see ChainFinder). */
  private readonly finder = new ChainFinder(this.chains);

  constructor(
    table: Table,
    private readonly opts: RestoreOptions,
  ) {
    this.name = table.name;
    for (const c of table.chains.values()) {
      const builtin = isBuiltin(this.name, c.name);
      if (opts.noflush === true) {
        // Carried over as restored: lazy rules stay unparsed.
        const lazy = c instanceof LazyChain;
        const d = draft(c.name, c.policy, lazy ? [] : [...c.rules], c.counters.packets, c.counters.bytes, builtin, lazy);
        if (c instanceof LazyChain) d.carry(c);
        this.chains.set(c.name, d);
      } else if (builtin) {
        this.chains.set(c.name, draft(c.name, c.policy, [], 0n, 0n, builtin, false));
      }
    }
    if (opts.noflush !== true) return;
    const known = COMMITTED_REFS.get(table.chains);
    if (known !== undefined) {
      for (const c of table.chains.values()) {
        const d = this.chains.get(c.name);
        if (d !== undefined) d.refs = c instanceof LazyChain ? c.refs : (known.get(c.name) ?? 0);
      }
    }
    // References counted once every kept chain has its draft.
    else for (const d of this.chains.values()) for (const e of d.entries) this.ref(d, e, 1);
  }

  /** Counts (delta 1) or uncounts (-1) the jump of entry `e` of chain `owner`. */
  private ref(owner: Draft, e: Entry, delta: number): void {
    let c: string | undefined;
    if (typeof e === 'number') c = owner.src === NO_SOURCE ? undefined : lineJump(owner.src, e);
    else c = e instanceof LazyRule ? e.jump : e.target?.chain;
    if (c === undefined) return;
    const t = this.chains.get(c);
    if (t !== undefined) t.refs += delta;
  }

  private need(chain: string, lineNo: number): Draft {
    const d = this.chains.get(chain);
    if (d === undefined) throw parseError(lineNo, `chain ${chain} does not exist in table ${this.name}`);
    return d;
  }

  /** Validates a rule about to be added; returns the chain it jumps to (its draft), if any. */
  private checkRule(r: Rule, lineNo: number): Draft | undefined {
    const lazy = r instanceof LazyRule;
    const t = lazy ? r.jump : r.target?.chain;
    // (A lazy rule's jump is always `-j`: the fast parser leaves -g to the general one.)
    const target = t === undefined ? undefined : this.jumpTo(t, !lazy && r.target?.goto === true, lineNo);
    if (lazy) return target;
    // FlatRule / LazyRule: the fast path's shapes, which never use -m set (and their matches are built lazily).
    const ipsets = this.opts.ipsets;
    if (ipsets !== undefined && !(r instanceof FlatRule)) {
      for (const m of r.matches) {
        const setName = m.module === 'set' ? m.saveArgs[m.saveArgs.indexOf('--match-set') + 1] : undefined;
        if (setName !== undefined && ipsets.get(setName) === undefined) throw parseError(lineNo, `ipset "${setName}" does not exist`);
      }
    }
    return target;
  }

  /** The draft of the chain a rule jumps (or goes) to, which must exist and be a user chain. */
  private jumpTo(t: string, goto: boolean, lineNo: number): Draft {
    const target = this.chains.get(t);
    if (target === undefined) throw parseError(lineNo, `unknown target or chain "${t}" (${goto ? '-g' : '-j'} ${t}): no such target extension and no such chain in table ${this.name}`);
    if (target.builtin) throw parseError(lineNo, `cannot jump to built-in chain ${t}`);
    return target;
  }

  private flush(d: Draft): void {
    for (const e of d.entries) this.ref(d, e, -1);
    d.entries = [];
    d.src = NO_SOURCE;
    d.loose = false;
    d.lazy = false;
  }

  /** The draft a run of appends to `chain` goes into: the current run's, or a new run once the last is closed. */
  private runFor(chain: string, lineNo: number): Draft {
    const d = this.runDraft;
    if (d !== undefined && this.runChain === chain) return d;
    this.closeRun();
    const next = this.need(chain, lineNo);
    this.runDraft = next;
    this.runChain = chain;
    return next;
  }

  /** `-A chain rule` (the parser's fast path calls this directly; `apply` for the rest). */
  append(chain: string, rule: Rule, lineNo: number): void {
    const d = this.runFor(chain, lineNo);
    if (rule instanceof LazyRule) d.lazy = true;
    const target = this.checkRule(rule, lineNo);
    this.run[this.runLen++] = rule;
    if (target !== undefined) target.refs++;
  }

  /**
   * `-A chain` of a line validated in place (see LazyRule): `jump` is the chain it jumps to. The
   * rule keeps the chain's own name string, not the line's copy.
   */
  appendLazy(chain: string, jump: string | undefined, lineNo: number, src: RuleSource, start: number): void {
    const d = this.runFor(chain, lineNo);
    d.lazy = true;
    let name: string | undefined;
    if (jump !== undefined) {
      const target = this.jumpTo(jump, false, lineNo);
      target.refs++;
      name = target.name;
    }
    this.run[this.runLen++] = new LazyRule(src, start, lineNo, name);
  }

  /**
   * `-A CHAIN … [-j TARGET]` of a line checkKubeShape accepted, read in place: the chain is
   * text[a, b), the jumped-to chain text[j, end) (j < 0: no jump), the line starts at `start`.
   * False (nothing done) when the line must go the longer way: a chain that is missing, built-in
   * or not a plain word, or a jump to a missing or built-in chain (that path reports the error).
   */
  appendAt(text: string, a: number, b: number, j: number, end: number, src: RuleSource, start: number): boolean {
    let d = this.runDraft;
    // (Told apart by length and last character first; then `===` on the name cut out of the
    // line: a native comparison, faster than startsWith in place.)
    if (d === undefined || d.name.length !== b - a || d.name.charCodeAt(b - a - 1) !== text.charCodeAt(b - 1) || d.name !== text.slice(a, b)) {
      const found = this.finder.find(text, a, b);
      if (found === undefined || found.builtin || !found.plain) return false;
      d = found;
    }
    let name: string | undefined;
    if (j >= 0) {
      const target = this.finder.find(text, j, end);
      if (target === undefined || target.builtin) return false;
      target.refs++;
      name = target.name;
    }
    if (d !== this.runDraft) {
      this.closeRun();
      this.runDraft = d;
      this.runChain = d.name;
    }
    d.lazy = true;
    if (d.src !== src) {
      // Number entries from an earlier restore's text (kept with --noflush) become LazyRule first.
      if (d.src !== NO_SOURCE) d.entries = d.entries.map((e) => d.rule(e));
      d.src = src;
    }
    // The line's offset is all that is kept (see Entry): its line number is found again from the
    // text. A chain written in one run of lines keeps only where the run is (LazyChain.appendLine).
    if (this.runLen === 0 && d.appendLine(start, end)) return true;
    this.run[this.runLen++] = start;
    return true;
  }

  /** `:chain - [0:0]` (the apply of that command, without the command object). */
  declare(chain: string, lineNo: number): void {
    this.closeRun();
    const existing = this.chains.get(chain);
    if (isBuiltin(this.name, chain)) {
      if (existing === undefined) throw parseError(lineNo, `built-in chain ${chain} does not exist in table ${this.name}`);
      if (this.opts.counters === true) {
        existing.counters = ZERO_COUNTERS;
      }
    } else if (existing !== undefined) this.flush(existing);
    else {
      const d = draft(chain, undefined, [], 0n, 0n, false, false);
      this.chains.set(chain, d);
      this.finder.declared(d);
    }
  }

  /** Moves the pending run of appends into its chain. */
  private closeRun(): void {
    const d = this.runDraft;
    if (d === undefined) return;
    this.runDraft = undefined;
    this.runChain = undefined;
    const n = this.runLen;
    this.runLen = 0;
    if (n === 0) return;
    if (d.entries.length === 0) {
      d.entries = this.run.slice(0, n);
      return;
    }
    // A chain written in many runs (KUBE-SERVICES: one line per Service between the others).
    for (let i = 0; i < n; i++) d.entries.push(this.run[i] as Entry);
    d.loose = true;
  }

  apply(cmd: RestoreCommand): void {
    if (cmd.op === 'append') {
      this.append(cmd.chain, cmd.rule, cmd.lineNo);
      return;
    }
    this.closeRun();
    const { name, chains, opts } = this;
    switch (cmd.op) {
      case 'comment':
        break;
      case 'chain': {
        const existing = chains.get(cmd.chain);
        if (isBuiltin(name, cmd.chain)) {
          if (existing === undefined) throw parseError(cmd.lineNo, `built-in chain ${cmd.chain} does not exist in table ${name}`);
          if (cmd.policy !== '-') existing.policy = cmd.policy;
          if (opts.counters === true) {
            existing.counters = cmd.packets === 0n && cmd.bytes === 0n ? ZERO_COUNTERS : { packets: cmd.packets, bytes: cmd.bytes };
          }
        } else if (cmd.policy !== '-') {
          throw parseError(cmd.lineNo, `user chain ${cmd.chain} cannot have a policy (${cmd.policy}); use "-"`);
        } else if (existing !== undefined) {
          this.flush(existing);
        } else {
          chains.set(cmd.chain, draft(cmd.chain, undefined, [], opts.counters === true ? cmd.packets : 0n, opts.counters === true ? cmd.bytes : 0n, false, false));
        }
        break;
      }
      case 'new-chain':
        if (chains.has(cmd.chain)) throw parseError(cmd.lineNo, `chain ${cmd.chain} already exists`);
        chains.set(cmd.chain, draft(cmd.chain, undefined, [], 0n, 0n, false, false));
        break;
      case 'insert': {
        const d = this.need(cmd.chain, cmd.lineNo);
        const target = this.checkRule(cmd.rule, cmd.lineNo);
        if (cmd.position > d.entries.length + 1) throw parseError(cmd.lineNo, `index of insertion too big (${cmd.position} > ${d.entries.length + 1} in ${cmd.chain})`);
        d.entries.splice(cmd.position - 1, 0, cmd.rule);
        d.loose = true;
        if (target !== undefined) target.refs++;
        break;
      }
      case 'delete': {
        const d = this.need(cmd.chain, cmd.lineNo);
        let i = -1;
        if (cmd.position !== undefined) i = cmd.position - 1 < d.entries.length ? cmd.position - 1 : -1;
        else if (cmd.rule !== undefined) {
          const want = ruleSaveArgs(cmd.rule).join(' ');
          i = d.entries.findIndex((e) => ruleSaveArgs(d.rule(e)).join(' ') === want);
        }
        const [removed] = i < 0 ? [] : d.entries.splice(i, 1);
        d.loose = true;
        if (removed === undefined) throw parseError(cmd.lineNo, `bad rule (does a matching rule exist in chain ${cmd.chain}?)`);
        this.ref(d, removed, -1);
        break;
      }
      case 'flush':
        if (cmd.chain === undefined) for (const d of chains.values()) this.flush(d);
        else this.flush(this.need(cmd.chain, cmd.lineNo));
        break;
      case 'delete-chain': {
        const victims = cmd.chain === undefined ? [...chains.keys()].filter((c) => !isBuiltin(name, c)) : [cmd.chain];
        for (const c of victims) {
          const d = this.need(c, cmd.lineNo);
          if (isBuiltin(name, c)) throw parseError(cmd.lineNo, `cannot delete built-in chain ${c}`);
          if (d.refs > 0) throw parseError(cmd.lineNo, `cannot delete chain ${c}: it is still referenced by ${d.refs} rule(s)`);
          if (d.entries.length > 0 && cmd.chain !== undefined) throw parseError(cmd.lineNo, `cannot delete chain ${c}: it is not empty (flush it first)`);
          this.flush(d);
          chains.delete(c);
          this.finder.reset();
        }
        break;
      }
      case 'policy': {
        if (!isBuiltin(name, cmd.chain)) throw parseError(cmd.lineNo, `cannot set a policy on user chain ${cmd.chain}`);
        this.need(cmd.chain, cmd.lineNo).policy = cmd.policy;
        break;
      }
    }
  }

  /** The table as committed (call once every command applied; the applier is done with then). */
  finish(): Table {
    this.closeRun();
    // The drafts' own Map becomes the table's: lazy drafts are the committed chains themselves,
    // the others are replaced in place (same key: the order stays). Appended runs are exact-size
    // arrays already; spliced short lists are copied to their size (kube-proxy has 40k small
    // chains, and spare capacity in each adds up).
    const out: Map<string, Chain> = this.chains;
    const refs = new Map<string, number>();
    // forEach, not for…of: this runs once per restore, before the optimizing compiler could
    // remove the iterator's result objects (one per chain, ~40,000 for kube-proxy's node).
    this.chains.forEach((d) => {
      if (d.loose && d.entries.length < 64) d.entries = d.entries.slice();
      if (!d.lazy) {
        if (d.refs > 0) refs.set(d.name, d.refs);
        // (Not lazy: no LazyRule and no number entry, only parsed rules.)
        out.set(d.name, { name: d.name, policy: d.policy, rules: d.entries as Rule[], counters: d.counters });
      }
    });
    this.finder.reset();
    COMMITTED_REFS.set(out, refs);
    return { name: this.name, chains: out };
  }
}

