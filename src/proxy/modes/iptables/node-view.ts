import { CANARY_TABLES, ENSURED_JUMPS, type EnsuredJump, KUBE_PROXY_CANARY, shellArg, type Table } from './chains.js';
import { parseDump } from './sort-rules.js';

const BUILTINS: Readonly<Record<Table, readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
};

export interface NodeViewOptions {
  /** Rules already in built-in chains before kube-proxy starts, per table and chain (e.g. kubelet's KUBE-FIREWALL jumps). */
  readonly existing?: Partial<Record<Table, Readonly<Record<string, readonly string[]>>>>;
  /** Tables to print, in order. Default filter, nat, mangle (mangle only holds KUBE-PROXY-CANARY). */
  readonly tables?: readonly Table[];
}

/**
 * The rules of built-in chains after kube-proxy's EnsureRule(Prepend) calls: each jump is inserted
 * at position 1 unless an identical rule exists (`iptables -C`), so the last ensured ends up first.
 * Returned as `-A <chain> <args>` texts in chain order.
 */
export function builtinChainRules(table: Table, jumps: readonly EnsuredJump[] = ENSURED_JUMPS, existing: Readonly<Record<string, readonly string[]>> = {}): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of BUILTINS[table]) out.set(c, [...(existing[c] ?? [])]);
  for (const j of jumps) {
    if (j.table !== table) continue;
    const rules = out.get(j.srcChain) ?? [];
    const text = `-A ${j.srcChain} ${j.args.map(shellArg).join(' ')}`;
    if (!rules.includes(text)) rules.unshift(text);
    out.set(j.srcChain, rules);
  }
  return out;
}

/**
 * The whole node as iptables-save would list it after kube-proxy's sync: built-in chains with their
 * policies and the ensured jumps, then user chains in name order (libiptc keeps them sorted), rules
 * chain by chain. Rule texts are kube-proxy's own argument order; iptables-save's canonical
 * re-ordering (`-s`/`-d`/`-p` first, `/32`, `--set-xmark`) belongs to the netfilter save codec.
 */
export function renderNodeView(restore: string, opts: NodeViewOptions = {}): string {
  const kube = new Map(parseDump(restore).map((t) => [t.name, t]));
  // Pieces joined once: the view of 10,000 Services is ~16 MB, which `+=` would leave as a rope.
  const out: string[] = [];
  for (const table of opts.tables ?? (['filter', 'nat', 'mangle'] as const)) {
    const builtin = builtinChainRules(table, ENSURED_JUMPS, opts.existing?.[table] ?? {});
    const user = new Map<string, string[]>();
    for (const c of kube.get(table)?.chains ?? []) if (!c.deleted) user.set(c.name, c.rules);
    for (const j of ENSURED_JUMPS) if (j.table === table && !user.has(j.dstChain)) user.set(j.dstChain, []);
    if (CANARY_TABLES.includes(table)) user.set(KUBE_PROXY_CANARY, []);
    const names = [...user.keys()].sort();
    out.push(`*${table}\n`);
    for (const c of BUILTINS[table]) out.push(`:${c} ACCEPT [0:0]\n`);
    for (const c of names) out.push(`:${c} - [0:0]\n`);
    for (const c of BUILTINS[table]) for (const r of builtin.get(c) ?? []) out.push(r, '\n');
    for (const c of names) for (const r of user.get(c) ?? []) out.push(r, '\n');
    out.push('COMMIT\n');
  }
  return out.join('');
}
