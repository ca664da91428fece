import type { IpsetRegistry } from './ipset/index.js';
import { parseError, ruleSaveArgs } from './rule-parse.js';
import { FlatRule } from './flat-rule.js';
import { ChainTarget } from './target/standard.js';
import { chainEntries, LazyChain, LazyRule } from './lazy-rule.js';
import { type RestoreCommand, type RestoreDoc, type TableBlock, parseRestoreLines, parseRestoreText, tableBlocks } from './save-parse.js';
import type { Chain, Counters, Rule, Ruleset, Table, TableName, Target } from './types.js';
import { BUILTIN_CHAINS } from './types.js';

export interface RestoreOptions {
  /** `iptables-restore --noflush`: keep what is not mentioned; `:CHAIN` lines flush (or create) that chain. */
  readonly noflush?: boolean;
  /** When given, `-m set --match-set NAME` must name an existing set (iptables checks at restore). */
  readonly ipsets?: IpsetRegistry;
  /** `iptables-restore --counters`: take `[packets:bytes]` from chain lines (otherwise they start at 0, as iptables-nft does). */
  readonly counters?: boolean;
}

interface Draft {
  name: string;
  policy: 'ACCEPT' | 'DROP' | undefined;
  rules: Rule[];
  packets: bigint;
  bytes: bigint;
  /** Rules (in any chain of the table) that jump or go to this chain: -X refuses while > 0. */
  refs: number;
  readonly builtin: boolean;
  /** `rules` may have spare capacity (spliced into): finish copies it to its exact size. */
  loose: boolean;
  /** Some of `rules` may be LazyRule: the committed chain is a LazyChain. */
  lazy: boolean;
}

/** The counters of nearly every chain (iptables-nft starts them at 0), one object for all. */
const ZERO_COUNTERS: Counters = Object.freeze({ packets: 0n, bytes: 0n });

function emptyTable(name: TableName): Table {
  const chains = new Map<string, Chain>();
  for (const c of BUILTIN_CHAINS[name]) chains.set(c, { name: c, policy: 'ACCEPT', rules: [], counters: { packets: 0n, bytes: 0n } });
  return { name, chains };
}

/** A namespace's iptables state before anything was restored: built-in chains, policy ACCEPT. */
export function emptyRuleset(): Ruleset {
  return { tables: { raw: emptyTable('raw'), mangle: emptyTable('mangle'), nat: emptyTable('nat'), filter: emptyTable('filter') } };
}

const BUILTIN_SETS: Readonly<Record<TableName, ReadonlySet<string>>> = {
  raw: new Set(BUILTIN_CHAINS.raw),
  mangle: new Set(BUILTIN_CHAINS.mangle),
  nat: new Set(BUILTIN_CHAINS.nat),
  filter: new Set(BUILTIN_CHAINS.filter),
};

function isBuiltin(table: TableName, chain: string): boolean {
  return BUILTIN_SETS[table].has(chain);
}

/**
 * Applies one `*table … COMMIT` block as iptables-restore does: every command in order against
 * a draft copy (so a jump must name a chain that exists at that line), and the table replaced
 * only if all succeeded. Without noflush the table starts empty (built-in policies kept).
 */
export function applyBlock(table: Table, block: TableBlock, opts: RestoreOptions = {}): Table {
  const a = new BlockApplier(table, opts);
  for (const cmd of block.commands) a.apply(cmd);
  return a.finish();
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
  private readonly run: Rule[] = [];
  /** Jump targets already checked → their chain's draft (cleared when a chain is deleted). */
  private readonly jumpDrafts = new Map<Target, Draft>();
  private runLen = 0;

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
        this.chains.set(c.name, { name: c.name, policy: c.policy, rules: [...chainEntries(c)], packets: c.counters.packets, bytes: c.counters.bytes, refs: 0, builtin, loose: false, lazy });
      } else if (builtin) {
        this.chains.set(c.name, { name: c.name, policy: c.policy, rules: [], packets: 0n, bytes: 0n, refs: 0, builtin, loose: false, lazy: false });
      }
    }
    // References counted once every kept chain has its draft.
    for (const d of this.chains.values()) for (const r of d.rules) this.ref(r, 1);
  }

  private ref(r: Rule, d: number): void {
    const c = r instanceof LazyRule ? r.jump?.chain : r.target?.chain;
    if (c === undefined) return;
    const t = this.chains.get(c);
    if (t !== undefined) t.refs += d;
  }

  private need(chain: string, lineNo: number): Draft {
    const d = this.chains.get(chain);
    if (d === undefined) throw parseError(lineNo, `chain ${chain} does not exist in table ${this.name}`);
    return d;
  }

  /** Validates a rule about to be added; returns the chain it jumps to (its draft), if any. */
  private checkRule(r: Rule, lineNo: number): Draft | undefined {
    if (r instanceof LazyRule) {
      // Targets are shared per restore, so the draft is remembered per target object.
      const j = r.jump;
      if (j === undefined) return undefined;
      const known = this.jumpDrafts.get(j);
      if (known !== undefined) return known;
    }
    const name = this.name;
    const t = r instanceof LazyRule ? r.jump?.chain : r.target?.chain;
    let target: Draft | undefined;
    if (t !== undefined) {
      target = this.chains.get(t);
      if (target === undefined) throw parseError(lineNo, `unknown target or chain "${t}" (${r.target?.goto === true ? '-g' : '-j'} ${t}): no such target extension and no such chain in table ${name}`);
      if (target.builtin) throw parseError(lineNo, `cannot jump to built-in chain ${t}`);
      if (r instanceof LazyRule && r.jump !== undefined) this.jumpDrafts.set(r.jump, target);
    }
    // FlatRule / LazyRule: the fast path's shapes, which never use -m set (and their matches are built lazily).
    const ipsets = this.opts.ipsets;
    if (ipsets !== undefined && !(r instanceof FlatRule) && !(r instanceof LazyRule)) {
      for (const m of r.matches) {
        const setName = m.module === 'set' ? m.saveArgs[m.saveArgs.indexOf('--match-set') + 1] : undefined;
        if (setName !== undefined && ipsets.get(setName) === undefined) throw parseError(lineNo, `ipset "${setName}" does not exist`);
      }
    }
    return target;
  }

  private flush(d: Draft): void {
    for (const r of d.rules) this.ref(r, -1);
    d.rules = [];
    d.loose = false;
    d.lazy = false;
  }

  /** `-A chain rule` (the parser's fast path calls this directly; `apply` for the rest). */
  append(chain: string, rule: Rule, lineNo: number): void {
    let d = this.runDraft;
    if (d === undefined || this.runChain !== chain) {
      this.closeRun();
      d = this.need(chain, lineNo);
      this.runDraft = d;
      this.runChain = chain;
    }
    if (rule instanceof LazyRule) d.lazy = true;
    const target = this.checkRule(rule, lineNo);
    this.run[this.runLen++] = rule;
    if (target !== undefined) target.refs++;
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
    if (d.rules.length === 0) {
      d.rules = this.run.slice(0, n);
      return;
    }
    // A chain written in many runs (KUBE-SERVICES: one line per Service between the others).
    for (let i = 0; i < n; i++) d.rules.push(this.run[i] as Rule);
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
            existing.packets = cmd.packets;
            existing.bytes = cmd.bytes;
          }
        } else if (cmd.policy !== '-') {
          throw parseError(cmd.lineNo, `user chain ${cmd.chain} cannot have a policy (${cmd.policy}); use "-"`);
        } else if (existing !== undefined) {
          this.flush(existing);
        } else {
          chains.set(cmd.chain, { name: cmd.chain, policy: undefined, rules: [], packets: opts.counters === true ? cmd.packets : 0n, bytes: opts.counters === true ? cmd.bytes : 0n, refs: 0, builtin: false, loose: false, lazy: false });
        }
        break;
      }
      case 'new-chain':
        if (chains.has(cmd.chain)) throw parseError(cmd.lineNo, `chain ${cmd.chain} already exists`);
        chains.set(cmd.chain, { name: cmd.chain, policy: undefined, rules: [], packets: 0n, bytes: 0n, refs: 0, builtin: false, loose: false, lazy: false });
        break;
      case 'insert': {
        const d = this.need(cmd.chain, cmd.lineNo);
        const target = this.checkRule(cmd.rule, cmd.lineNo);
        if (cmd.position > d.rules.length + 1) throw parseError(cmd.lineNo, `index of insertion too big (${cmd.position} > ${d.rules.length + 1} in ${cmd.chain})`);
        d.rules.splice(cmd.position - 1, 0, cmd.rule);
        d.loose = true;
        if (target !== undefined) target.refs++;
        break;
      }
      case 'delete': {
        const d = this.need(cmd.chain, cmd.lineNo);
        let i = -1;
        if (cmd.position !== undefined) i = cmd.position - 1 < d.rules.length ? cmd.position - 1 : -1;
        else if (cmd.rule !== undefined) {
          const want = ruleSaveArgs(cmd.rule).join(' ');
          i = d.rules.findIndex((r) => ruleSaveArgs(r).join(' ') === want);
        }
        const [removed] = i < 0 ? [] : d.rules.splice(i, 1);
        d.loose = true;
        if (removed === undefined) throw parseError(cmd.lineNo, `bad rule (does a matching rule exist in chain ${cmd.chain}?)`);
        this.ref(removed, -1);
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
          if (d.rules.length > 0 && cmd.chain !== undefined) throw parseError(cmd.lineNo, `cannot delete chain ${c}: it is not empty (flush it first)`);
          this.flush(d);
          chains.delete(c);
          this.jumpDrafts.clear();
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

  /** The table as committed (call once every command applied). */
  finish(): Table {
    this.closeRun();
    const out = new Map<string, Chain>();
    // Appended runs are exact-size arrays already; spliced short lists are copied to their size
    // (kube-proxy has 40k small chains, and spare capacity in each adds up).
    for (const d of this.chains.values()) {
      const rules = d.loose && d.rules.length < 64 ? d.rules.slice() : d.rules;
      const counters = d.packets === 0n && d.bytes === 0n ? ZERO_COUNTERS : { packets: d.packets, bytes: d.bytes };
      out.set(d.name, d.lazy ? new LazyChain(d.name, d.policy, rules, counters) : { name: d.name, policy: d.policy, rules, counters });
    }
    return { name: this.name, chains: out };
  }
}

/**
 * iptables-restore: parses the input and applies each table block atomically. Everything is
 * validated before anything is returned, so on error the caller's ruleset is untouched (the real
 * tool commits earlier tables of a failing file; kubewire is stricter and applies nothing).
 */
export function restore(ruleset: Ruleset, input: string | RestoreDoc, opts: RestoreOptions = {}): Ruleset {
  const tables = { ...ruleset.tables };
  if (typeof input !== 'string') {
    for (const block of tableBlocks(input)) tables[block.table] = applyBlock(tables[block.table], block, opts);
    return { tables };
  }
  // Streamed: each command is applied as it is parsed. The error reported stays the one the
  // parse-everything-first order gives: any syntax error, else the first failed command.
  let applier: BlockApplier | undefined;
  let table: TableName | undefined;
  let failed: unknown;
  let hasFailed = false;
  parseRestoreLines(input, {
    topComment: () => undefined,
    open: (t) => {
      table = t;
      applier = hasFailed ? undefined : new BlockApplier(tables[t], opts);
    },
    command: (cmd) => {
      if (applier === undefined) return;
      try {
        applier.apply(cmd);
      } catch (e) {
        failed = e;
        hasFailed = true;
        applier = undefined;
      }
    },
    keepsRules: false,
    append: (chain, rule, lineNo, _text, src, start) => {
      if (applier === undefined) return;
      try {
        // What is kept is the rule's place in the input, not the rule just parsed (see LazyRule).
        // (instanceof, not `.chain`: reading a property most target classes lack is a slow lookup.)
        const t = rule.target;
        applier.append(chain, new LazyRule(src, start, lineNo, t instanceof ChainTarget ? t : undefined), lineNo);
      } catch (e) {
        failed = e;
        hasFailed = true;
        applier = undefined;
      }
    },
    commit: () => {
      if (applier !== undefined && table !== undefined) tables[table] = applier.finish();
      applier = undefined;
    },
  });
  if (hasFailed) throw failed;
  return { tables };
}

/**
 * Parses an iptables-save dump (or restore input) into its document (for byte-identical
 * printing) and the ruleset it produces on an empty namespace; all errors name the line.
 */
export function parseIptablesSave(text: string, opts: Omit<RestoreOptions, 'noflush'> = {}): { doc: RestoreDoc; ruleset: Ruleset } {
  const doc = parseRestoreText(text);
  return { doc, ruleset: restore(emptyRuleset(), doc, opts) };
}
