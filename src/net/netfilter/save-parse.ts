import { isPlainWord, splitArgs } from './tokenize.js';
import { type ParseIntern, newIntern, parseError, parseRuleArgs } from './rule-parse.js';
import { stripCounters } from './rule.js';
import { parseRuleFast } from './fast-rule.js';
import { type RuleSource, ruleSource } from './lazy-rule.js';
import { SHAPE_NO, checkKubeShape } from './shape-check.js';
import type { Rule, TableName } from './types.js';
import { BUILTIN_CHAINS, isTableName } from './types.js';

/** One line of an iptables-restore table block, parsed; `text` is the line exactly as written. */
export type RestoreCommand =
  | { readonly op: 'chain'; readonly chain: string; readonly policy: 'ACCEPT' | 'DROP' | '-'; readonly packets: bigint; readonly bytes: bigint; readonly lineNo: number; readonly text: string }
  | { readonly op: 'append'; readonly chain: string; readonly rule: Rule; readonly lineNo: number; readonly text: string }
  | { readonly op: 'insert'; readonly chain: string; readonly position: number; readonly rule: Rule; readonly lineNo: number; readonly text: string }
  | { readonly op: 'delete'; readonly chain: string; readonly rule: Rule | undefined; readonly position: number | undefined; readonly lineNo: number; readonly text: string }
  | { readonly op: 'flush' | 'delete-chain'; readonly chain: string | undefined; readonly lineNo: number; readonly text: string }
  | { readonly op: 'new-chain'; readonly chain: string; readonly lineNo: number; readonly text: string }
  | { readonly op: 'policy'; readonly chain: string; readonly policy: 'ACCEPT' | 'DROP'; readonly lineNo: number; readonly text: string }
  | { readonly op: 'comment'; readonly lineNo: number; readonly text: string };

/** `*table` … `COMMIT`: applied atomically by iptables-restore. */
export interface TableBlock {
  readonly table: TableName;
  readonly headerText: string;
  readonly lineNo: number;
  readonly commands: readonly RestoreCommand[];
  readonly commitText: string;
  readonly commitLineNo: number;
}

/** A whole restore input / iptables-save dump, with comment lines kept for byte-identical printing. */
export interface RestoreDoc {
  readonly items: readonly (TableBlock | { readonly op: 'comment'; readonly lineNo: number; readonly text: string })[];
  /** Whether the text ended with a newline. */
  readonly finalNewline: boolean;
}

export function tableBlocks(doc: RestoreDoc): TableBlock[] {
  return doc.items.filter((i): i is TableBlock => !('op' in i));
}

const CHAIN_LINE = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?\s*$/;

function parseChainName(name: string | undefined, lineNo: number, what: string): string {
  if (name === undefined || name === '') throw parseError(lineNo, `${what} requires a chain name`);
  if (name.length > 28) throw parseError(lineNo, `chain name "${name}" is longer than 28 characters`);
  if (name.startsWith('-') || name === '!') throw parseError(lineNo, `invalid chain name "${name}"`);
  return name;
}

/** Receives a restore input's pieces in order, as parseRestoreLines reads them. */
export interface RestoreSink {
  /** A comment or blank line outside any table block. */
  topComment(item: { readonly op: 'comment'; readonly lineNo: number; readonly text: string }): void;
  /** `*table`. */
  open(table: TableName, headerText: string, lineNo: number): void;
  /** One command (or comment line) inside the open block. */
  command(cmd: RestoreCommand): void;
  /**
   * `-A chain rule` read by the fast path (nearly every line of a kube-proxy dump): the same as
   * command({op: 'append', …}) without making the command object. `chain` is the same string
   * object for consecutive lines appending to the same chain; the line is `src.text` from `start`
   * (a sink may keep that place instead of the rule, see LazyRule).
   */
  append(chain: string, rule: Rule, lineNo: number, text: string, src: RuleSource, start: number): void;
  /**
   * Whether append's `rule` and `text` are kept. When false the fast path only validates the line:
   * `rule` has an empty text and `text` is '' (the sink keeps `src` and `start`, see LazyRule).
   */
  readonly keepsRules: boolean;
  /**
   * `-A CHAIN …` validated in place by checkKubeShape (only when keepsRules is false), no rule
   * made: the chain is src.text[a, b), the chain it jumps to src.text[j, end) (j < 0: none), the
   * line src.text[start, end) (parseRuleFast accepts it, see LazyRule). Returns false when the
   * sink did nothing and the line must be read the longer way (e.g. to report an error).
   */
  lazyAppend(a: number, b: number, j: number, end: number, lineNo: number, src: RuleSource, start: number): boolean;
  /** `:chain - [0:0]` read in place (only when keepsRules is false): command({op: 'chain', …}) without the object. */
  declare(chain: string, lineNo: number): void;
  /** `COMMIT` of the open block. */
  commit(commitText: string, commitLineNo: number): void;
}

/**
 * Parses iptables-save output / iptables-restore input (the syntax only; chain references are
 * checked when the blocks are applied, see restore.ts). Errors are InputError
 * KW_NETFILTER_PARSE with `line N: ...`.
 */
export function parseRestoreText(text: string): RestoreDoc {
  const items: RestoreDoc['items'][number][] = [];
  let open: { table: TableName; headerText: string; lineNo: number; commands: RestoreCommand[] } | undefined;
  const finalNewline = parseRestoreLines(text, {
    topComment: (c) => items.push(c),
    open: (table, headerText, lineNo) => {
      open = { table, headerText, lineNo, commands: [] };
    },
    command: (c) => open?.commands.push(c),
    append: (chain, rule, lineNo, text) => open?.commands.push({ op: 'append', chain, rule, lineNo, text }),
    keepsRules: true,
    lazyAppend: () => {
      throw new Error('netfilter: lazyAppend on a sink that keeps rules');
    },
    declare: () => {
      throw new Error('netfilter: declare on a sink that keeps rules');
    },
    commit: (commitText, commitLineNo) => {
      if (open !== undefined) items.push({ ...open, commitText, commitLineNo });
      open = undefined;
    },
  });
  return { items, finalNewline };
}

/**
 * The parser itself, streaming: each piece goes to the sink as soon as it is read (restoring
 * a 100k-rule text then never holds all its command objects at once). Returns whether the
 * text ended with a newline.
 */
export function parseRestoreLines(text: string, sink: RestoreSink): boolean {
  const finalNewline = text.endsWith('\n');
  const end = finalNewline ? text.length - 1 : text.length;
  let open: { table: TableName; lineNo: number; src: RuleSource } | undefined;
  const intern = newIntern();
  const fast: LastChain = { name: '', ok: false, backslashes: text.includes('\\') };
  let lineNo = 0;
  for (let at = 0; at <= end; ) {
    lineNo++;
    let nl = text.indexOf('\n', at);
    if (nl < 0 || nl > end) nl = end;
    const start = at;
    at = nl + 1;
    if (open !== undefined && nl - start > 3 && text.charCodeAt(start) === 45 && text.charCodeAt(start + 1) === 65 && text.charCodeAt(start + 2) === 32 && text.charCodeAt(nl - 1) !== 13) {
      // `-A CHAIN …` of a user chain in kube-proxy's shapes (nearly every line): read in place.
      // A sink that keeps only the line's place gets the line validated by checkKubeShape (no
      // rule made at all), or else a rule that was only validated (no text).
      if (!sink.keepsRules && nl - start < 1 << 22) {
        const sp = text.indexOf(' ', start + 3);
        if (sp > start + 3 && sp < nl) {
          const j = checkKubeShape(text, sp, nl, open.table === 'nat');
          if (j !== SHAPE_NO && sink.lazyAppend(start + 3, sp, j, nl, lineNo, open.src, start)) continue;
        }
      }
      const lineText = sink.keepsRules ? text.slice(start, nl) : '';
      const rule = fastAppend(text, start, nl, lineText, lineNo, open.table, intern, fast);
      if (rule !== undefined) {
        sink.append(fast.name, rule, lineNo, lineText, open.src, start);
        continue;
      }
    }
    if (open !== undefined && text.charCodeAt(start) === 58) {
      // `:NAME - [0:0]` (a kube-proxy node declares ~40,000 chains): read in place.
      const chain = chainDeclAt(text, start, nl);
      if (chain !== undefined) {
        if (!sink.keepsRules) {
          sink.declare(chain, lineNo);
          continue;
        }
        sink.command({ op: 'chain', chain, policy: '-', packets: 0n, bytes: 0n, lineNo, text: sink.keepsRules ? text.slice(start, nl) : '' });
        continue;
      }
    }
    const raw = text.slice(start, nl);
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const c0 = line.charCodeAt(0);
    if (open !== undefined && (c0 === 45 || c0 === 58)) {
      // `-A …` / `:CHAIN …` (nearly every line): no trimming needed to classify it.
      sink.command(parseCommand(line, raw, lineNo, open.table, intern));
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      const c = { op: 'comment' as const, lineNo, text: raw };
      if (open === undefined) sink.topComment(c);
      else sink.command(c);
      continue;
    }
    if (trimmed.startsWith('*')) {
      if (open !== undefined) throw parseError(lineNo, `"${trimmed}" before COMMIT of table ${open.table} (opened on line ${open.lineNo})`);
      const name = trimmed.slice(1);
      if (!isTableName(name)) throw parseError(lineNo, `table "${name}" does not exist (kubewire models raw, mangle, nat and filter)`);
      open = { table: name, lineNo, src: ruleSource(text, name, intern, fast.backslashes) };
      sink.open(name, raw, lineNo);
      continue;
    }
    if (trimmed === 'COMMIT') {
      if (open === undefined) throw parseError(lineNo, 'COMMIT without a "*table" line');
      open = undefined;
      sink.commit(raw, lineNo);
      continue;
    }
    if (open === undefined) throw parseError(lineNo, `"${trimmed.slice(0, 40)}" before any "*table" line`);
    sink.command(parseCommand(line, raw, lineNo, open.table, intern));
  }
  if (open !== undefined) throw parseError(lineNo, `COMMIT expected: table ${open.table} (line ${open.lineNo}) is not committed`);
  return finalNewline;
}

/** The chain of the previous fast `-A` line (kube-proxy appends to a chain several times in a row). */
interface LastChain {
  name: string;
  /** A valid user chain name (not built-in, plain word, at most 28 characters). */
  ok: boolean;
  /** Whether the whole text holds a backslash (kube-proxy's never do: quoted words need no escape scan). */
  readonly backslashes: boolean;
}

/**
 * `-A CHAIN args` at text[start, end) through parseRuleFast (the chain is then `last.name`), or
 * undefined for the general path.
 * A run of lines appending to the same chain shares one chain-name string (no slice, and the
 * draft's Map lookup reuses its cached hash).
 */
function fastAppend(text: string, start: number, end: number, raw: string, lineNo: number, table: TableName, intern: ParseIntern, last: LastChain): Rule | undefined {
  const sp = chainAt(text, start, end, table, last);
  if (sp < 0) return undefined;
  return parseRuleFast(text, start, sp, end, raw, lineNo, table, intern, last.backslashes);
}

/**
 * The chain of `-A CHAIN args` at text[start, end) into `last` (reused when the same as the
 * previous line's), and the offset of the space after it; -1 when the general path must read it.
 */
function chainAt(text: string, start: number, end: number, table: TableName, last: LastChain): number {
  let sp = start + 3;
  while (sp < end && text.charCodeAt(sp) !== 32) sp++;
  if (sp === start + 3 || sp >= end) return -1;
  const len = sp - start - 3;
  if (last.name.length !== len || !text.startsWith(last.name, start + 3)) {
    const name = text.slice(start + 3, sp);
    last.name = name;
    last.ok = len <= 28 && name !== '!' && name.charCodeAt(0) !== 45 && !(BUILTIN_CHAINS[table] as readonly string[]).includes(name) && isPlainWord(name);
  }
  return last.ok ? sp : -1;
}

/**
 * The chain of a line text[start, end) that is exactly `:NAME - [0:0]` with a name parseChainName
 * accepts (1-28 printable characters, not starting with "-", not "!"); else undefined (the
 * general path reads the line, and reports what is wrong with it).
 */
function chainDeclAt(text: string, start: number, end: number): string | undefined {
  const len = end - start - 9; // ':' + name + ' - [0:0]'
  if (len < 1 || len > 28) return undefined;
  const sp = start + 1 + len;
  for (let i = 0; i < 8; i++) if (text.charCodeAt(sp + i) !== DECL_TAIL.charCodeAt(i)) return undefined;
  for (let i = start + 1; i < sp; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c >= 127) return undefined;
  }
  const c0 = text.charCodeAt(start + 1);
  if (c0 === 45 || (len === 1 && c0 === 33)) return undefined;
  return text.slice(start + 1, sp);
}

const DECL_TAIL = ' - [0:0]';

/** `:NAME - [0:0]`, the shape of nearly every chain line, without a regex. */
function quickChainLine(line: string): string | undefined {
  const sp = line.indexOf(' ');
  if (sp < 2 || !line.endsWith(' - [0:0]') || line.length !== sp + 8) return undefined;
  for (let i = 1; i < sp; i++) {
    const c = line.charCodeAt(i);
    if (c <= 32 || c >= 127) return undefined;
  }
  return line.slice(1, sp);
}

function parseCommand(line: string, raw: string, lineNo: number, table: TableName, intern: ParseIntern): RestoreCommand {
  if (line.startsWith(':')) {
    const quick = quickChainLine(line);
    if (quick !== undefined) return { op: 'chain', chain: parseChainName(quick, lineNo, 'chain line'), policy: '-', packets: 0n, bytes: 0n, lineNo, text: raw };
    const m = CHAIN_LINE.exec(line);
    if (m === null) throw parseError(lineNo, `malformed chain line "${line}" (expected ":CHAIN POLICY [packets:bytes]")`);
    const chain = parseChainName(m[1], lineNo, 'chain line');
    const policy = m[2] ?? '';
    if (policy !== 'ACCEPT' && policy !== 'DROP' && policy !== '-') throw parseError(lineNo, `bad policy "${policy}" for chain ${chain}`);
    return { op: 'chain', chain, policy, packets: BigInt(m[3] ?? '0'), bytes: BigInt(m[4] ?? '0'), lineNo, text: raw };
  }
  if (line.startsWith('-A ')) {
    const sp = line.indexOf(' ', 3);
    if (sp > 3) {
      const chain = line.slice(3, sp);
      if (!(BUILTIN_CHAINS[table] as readonly string[]).includes(chain) && isPlainWord(chain)) {
        const rule = parseRuleFast(line, 0, sp, line.length, raw, lineNo, table, intern);
        if (rule !== undefined) return { op: 'append', chain: parseChainName(chain, lineNo, '-A'), rule, lineNo, text: raw };
      }
    }
  }
  const args = splitArgs(stripCounters(line.trimStart()));
  if (args === undefined) throw parseError(lineNo, 'unterminated double quote');
  const cmd = args[0];
  const chainArg = args[1];
  switch (cmd) {
    case '-A':
    case '--append': {
      const chain = parseChainName(chainArg, lineNo, cmd);
      return { op: 'append', chain, rule: parseRuleArgs(args, 2, { table, chain, lineNo }, raw, 2, intern), lineNo, text: raw };
    }
    case '-I':
    case '--insert': {
      const rest = args.slice(2);
      const chain = parseChainName(chainArg, lineNo, cmd);
      let position = 1;
      let skip = 2;
      if (rest[0] !== undefined && /^\d+$/.test(rest[0])) {
        position = Number(rest[0]);
        if (position < 1) throw parseError(lineNo, `invalid rule number "${rest[0]}"`);
        skip = 3;
      }
      return { op: 'insert', chain, position, rule: parseRuleArgs(args, skip, { table, chain, lineNo }, raw, skip, intern), lineNo, text: raw };
    }
    case '-D':
    case '--delete': {
      const rest = args.slice(2);
      const chain = parseChainName(chainArg, lineNo, cmd);
      if (rest.length === 1 && rest[0] !== undefined && /^\d+$/.test(rest[0])) {
        return { op: 'delete', chain, rule: undefined, position: Number(rest[0]), lineNo, text: raw };
      }
      return { op: 'delete', chain, rule: parseRuleArgs(args, 2, { table, chain, lineNo }, raw, 2, intern), position: undefined, lineNo, text: raw };
    }
    case '-F':
    case '--flush':
    case '-X':
    case '--delete-chain': {
      if (args.length > 2) throw parseError(lineNo, `unexpected arguments after ${cmd} ${chainArg ?? ''}`);
      const chain = chainArg === undefined ? undefined : parseChainName(chainArg, lineNo, cmd);
      return { op: cmd === '-F' || cmd === '--flush' ? 'flush' : 'delete-chain', chain, lineNo, text: raw };
    }
    case '-N':
    case '--new-chain': {
      if (args.length > 2) throw parseError(lineNo, `unexpected arguments after ${cmd} ${chainArg ?? ''}`);
      return { op: 'new-chain', chain: parseChainName(chainArg, lineNo, cmd), lineNo, text: raw };
    }
    case '-P':
    case '--policy': {
      const policy = args[2];
      const extra = args[3];
      if ((policy !== 'ACCEPT' && policy !== 'DROP') || extra !== undefined) throw parseError(lineNo, `${cmd} needs a chain and ACCEPT or DROP`);
      return { op: 'policy', chain: parseChainName(chainArg, lineNo, cmd), policy, lineNo, text: raw };
    }
    default:
      throw parseError(lineNo, `unknown command "${cmd ?? ''}" (expected -A, -I, -D, -N, -X, -F, -P, a ":CHAIN" line or COMMIT)`);
  }
}
