import type { Fraction } from '../../lib/index.js';
import type { Hook, HookHop, HostView, Skb } from '../hooks.js';
import type { IpsetRegistry } from './ipset/index.js';
import type { NfState } from './state.js';

/** The four iptables tables kubewire models (security is not). */
export type TableName = 'raw' | 'mangle' | 'nat' | 'filter';

/** The order iptables-nft-save prints tables in (its builtin table array), checked against iptables 1.8.9. */
export const TABLE_SAVE_ORDER: readonly TableName[] = ['mangle', 'raw', 'filter', 'nat'];

/** Built-in chains per table, in the order iptables-save lists them. */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly Hook[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

export function isTableName(s: string): s is TableName {
  return s === 'raw' || s === 'mangle' || s === 'nat' || s === 'filter';
}

/**
 * The mutable cursor of one walk path while it runs one table. Matches and targets read and
 * update it; the walker clones it when a `statistic --mode random` match forks the path.
 * Everything it points to is immutable, so a shallow copy is a full copy.
 */
export interface EvalCtx {
  readonly hook: Hook;
  readonly table: TableName;
  readonly host: HostView;
  readonly ipsets: IpsetRegistry;
  /** Milliseconds on the injected clock (for `-m recent --seconds`). */
  readonly nowMs: number;
  skb: Skb;
  /** This netns's netfilter state on this path (conntrack, recent lists, nth counters). */
  state: NfState;
  /** Set by NAT targets: the hop describing the translation, emitted with the rule hop. */
  natType: 'dnat' | 'snat' | 'masquerade' | 'redirect' | undefined;
  /** Set by targets that want to add text to the rule's hop detail. */
  note: string | undefined;
}

/** Where a rule sits, for errors and for per-rule state (nth counters). */
export interface RuleWhere {
  readonly table: TableName;
  readonly chain: string;
  readonly lineNo: number;
}

/** Lookup keys a rule offers the chain index; only set when the rule cannot match without them. */
export interface IndexHints {
  dst?: number;
  proto?: number;
  dport?: number;
  /**
   * The match tests nothing but these keys (no inversion, no ranges, no other field): a rule the index found by its
   * keys need not test it again (see chain-plan.ts).
   */
  exact?: boolean;
}

/** One `-m name` match (or the built-in `-s/-d/-i/-o/-p` part, module ''). Built at parse time. */
export interface Match {
  /** The module name after `-m` ('' for the built-in IP header part). */
  readonly module: string;
  /** Whether iptables loaded it implicitly (`-p tcp --dport 80` without `-m tcp`). */
  readonly implicit: boolean;
  /** The options as iptables-save 1.8.9 prints them (without `-m module`). */
  readonly saveArgs: readonly string[];
  /** Exact kernel probability for `statistic --mode random` (already inverted for `!`): the walker forks instead of calling evaluate. */
  readonly probability?: Fraction;
  /** The literal `--probability` text as written, for hop details. */
  readonly probabilityText?: string;
  readonly hints?: IndexHints;
  /** Pure except for `ctx.state` (recent --set, nth counters), which it may replace. */
  evaluate(ctx: EvalCtx): boolean;
}

/** What a target tells the walker (numbers, so the hot loop compares small ints). */
export const TR = {
  /** Non-terminating (MARK, LOG, CONNMARK): continue with the next rule. */
  Continue: 0,
  Accept: 1,
  Drop: 2,
  Reject: 3,
  Return: 4,
  Jump: 5,
  Goto: 6,
} as const;
export type TargetResult = (typeof TR)[keyof typeof TR];

export interface Target {
  /** `ACCEPT`, `DNAT`, … or the user chain name for jumps. */
  readonly name: string;
  /** `-j` or `-g` (goto is only for chains). */
  readonly goto: boolean;
  readonly saveArgs: readonly string[];
  /** For Jump/Goto results: the chain to enter. */
  readonly chain?: string;
  /** For Reject: the `--reject-with` type. */
  readonly rejectWith?: string;
  apply(ctx: EvalCtx): TargetResult;
}

export interface Rule {
  readonly matches: readonly Match[];
  /** Absent for rules without `-j` (they only count packets). */
  readonly target: Target | undefined;
  /** The exact `-A CHAIN ...` line as written in the restore input. */
  readonly text: string;
  /** The rule specification as written: the arguments after `-A CHAIN` (quotes removed). */
  readonly spec: readonly string[];
  readonly lineNo: number;
}

export interface Counters {
  readonly packets: bigint;
  readonly bytes: bigint;
}

export interface Chain {
  readonly name: string;
  /** Built-in chains only: `ACCEPT` or `DROP`. */
  readonly policy: 'ACCEPT' | 'DROP' | undefined;
  readonly rules: readonly Rule[];
  readonly counters: Counters;
}

export interface Table {
  readonly name: TableName;
  /** Built-in chains first, in kernel order, then user chains in creation order. */
  readonly chains: ReadonlyMap<string, Chain>;
}

/** One network namespace's iptables state (IPv4). */
export interface Ruleset {
  readonly tables: Readonly<Record<TableName, Table>>;
}

export type { HookHop };
