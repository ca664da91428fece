import { BlockApplier, type RestoreOptions } from './block-applier.js';
import { ChainTarget } from './target/standard.js';
import { type RestoreCommand, type RestoreDoc, type RestoreSink, type TableBlock, parseRestoreLines, parseRestoreText, tableBlocks } from './save-parse.js';
import type { RuleSource } from './lazy-rule.js';
import type { Chain, Rule, Ruleset, Table, TableName } from './types.js';
import { BUILTIN_CHAINS } from './types.js';

export { BlockApplier, type RestoreOptions } from './block-applier.js';

function emptyTable(name: TableName): Table {
  const chains = new Map<string, Chain>();
  for (const c of BUILTIN_CHAINS[name]) chains.set(c, { name: c, policy: 'ACCEPT', rules: [], counters: { packets: 0n, bytes: 0n } });
  return { name, chains };
}

/** A namespace's iptables state before anything was restored: built-in chains, policy ACCEPT. */
export function emptyRuleset(): Ruleset {
  return { tables: { raw: emptyTable('raw'), mangle: emptyTable('mangle'), nat: emptyTable('nat'), filter: emptyTable('filter') } };
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
  const sink = new ApplySink(tables, opts);
  parseRestoreLines(input, sink);
  if (sink.hasFailed) throw sink.failed;
  return { tables };
}

/**
 * restore's sink: applies each block's commands as they are parsed. A class, not an object of
 * arrow functions: closures made afresh per restore would each start with cold code (V8 keeps a
 * closure site's optimized code per closure until it has seen several), and a restore of a
 * kube-proxy node calls these ~150,000 times.
 */
class ApplySink implements RestoreSink {
  readonly keepsRules = false;
  private applier: BlockApplier | undefined;
  private table: TableName | undefined;
  failed: unknown;
  hasFailed = false;

  constructor(
    private readonly tables: Record<TableName, Table>,
    private readonly opts: RestoreOptions,
  ) {}

  private fail(e: unknown): void {
    this.failed = e;
    this.hasFailed = true;
    this.applier = undefined;
  }

  topComment(): void {}

  open(t: TableName): void {
    this.table = t;
    this.applier = this.hasFailed ? undefined : new BlockApplier(this.tables[t], this.opts);
  }

  command(cmd: RestoreCommand): void {
    const applier = this.applier;
    if (applier === undefined) return;
    try {
      applier.apply(cmd);
    } catch (e) {
      this.fail(e);
    }
  }

  append(chain: string, rule: Rule, lineNo: number, _text: string, src: RuleSource, start: number): void {
    const applier = this.applier;
    if (applier === undefined) return;
    try {
      // What is kept is the rule's place in the input, not the rule just parsed (see LazyRule).
      // (instanceof, not `.chain`: reading a property most target classes lack is a slow lookup.)
      const t = rule.target;
      applier.appendLazy(chain, t instanceof ChainTarget ? t.chain : undefined, lineNo, src, start);
    } catch (e) {
      this.fail(e);
    }
  }

  lazyAppend(a: number, b: number, j: number, end: number, _lineNo: number, src: RuleSource, start: number): boolean {
    const applier = this.applier;
    return applier === undefined ? true : applier.appendAt(src.text, a, b, j, end, src, start);
  }

  declare(chain: string, lineNo: number): void {
    const applier = this.applier;
    if (applier === undefined) return;
    try {
      applier.declare(chain, lineNo);
    } catch (e) {
      this.fail(e);
    }
  }

  commit(): void {
    const applier = this.applier;
    if (applier !== undefined && this.table !== undefined) this.tables[this.table] = applier.finish();
    this.applier = undefined;
  }
}


/**
 * Parses an iptables-save dump (or restore input) into its document (for byte-identical
 * printing) and the ruleset it produces on an empty namespace; all errors name the line.
 */
export function parseIptablesSave(text: string, opts: Omit<RestoreOptions, 'noflush'> = {}): { doc: RestoreDoc; ruleset: Ruleset } {
  const doc = parseRestoreText(text);
  return { doc, ruleset: restore(emptyRuleset(), doc, opts) };
}
