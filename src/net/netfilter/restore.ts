import { BlockApplier, type RestoreOptions } from './block-applier.js';
import { ChainTarget } from './target/standard.js';
import { type RestoreDoc, type TableBlock, parseRestoreLines, parseRestoreText, tableBlocks } from './save-parse.js';
import type { Chain, Ruleset, Table, TableName } from './types.js';
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
        applier.appendLazy(chain, t instanceof ChainTarget ? t.chain : undefined, lineNo, src, start);
      } catch (e) {
        failed = e;
        hasFailed = true;
        applier = undefined;
      }
    },
    lazyAppend: (a, b, j, end, _lineNo, src, start) => (applier === undefined ? true : applier.appendAt(src.text, a, b, j, end, src, start)),
    declare: (chain, lineNo) => {
      if (applier === undefined) return;
      try {
        applier.declare(chain, lineNo);
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
