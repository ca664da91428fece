/**
 * A small nftables model, enough for kube-proxy's `ip kube-proxy` table: base and regular chains,
 * rules as sequences of expressions and statements, named sets and verdict maps. Plain data; the
 * parser (`nft list ruleset` text) and the printer produce and read it.
 */
export type NftVerdict =
  | { readonly kind: 'accept' | 'drop' | 'return' | 'continue' }
  | { readonly kind: 'reject' }
  | { readonly kind: 'jump' | 'goto'; readonly chain: string };

/** A selector: the packet field an expression reads. */
export type NftSelector = 'ip saddr' | 'ip daddr' | 'meta l4proto' | 'th dport' | 'tcp dport' | 'udp dport' | 'sctp dport';

export type NftExpr =
  | { readonly op: 'ct-state'; readonly states: readonly string[] }
  /** `ip daddr 10.0.0.0/8`, `ip saddr != { a, b }`, `tcp dport 80`, `meta l4proto tcp`. */
  | { readonly op: 'cmp'; readonly sel: NftSelector; readonly neg: boolean; readonly values: readonly string[] }
  /** `ip daddr @set` / `ip saddr != @set`. */
  | { readonly op: 'in-set'; readonly sel: NftSelector; readonly neg: boolean; readonly set: string }
  /** `fib daddr type local`. */
  | { readonly op: 'fib'; readonly dir: 'saddr' | 'daddr'; readonly neg: boolean }
  /** `meta mark & 0x00004000 == 0x00000000`. */
  | { readonly op: 'mark-and'; readonly mask: number; readonly value: number; readonly neg: boolean }
  /** `<sel> . <sel> vmap @map` or `vmap { k : v, … }`. */
  | { readonly op: 'vmap'; readonly key: readonly NftSelector[]; readonly map: string | ReadonlyMap<string, NftVerdict> }
  /** `numgen random mod N vmap { 0 : goto a, … }`. */
  | { readonly op: 'numgen'; readonly mod: number; readonly map: ReadonlyMap<string, NftVerdict> }
  /** `meta mark set meta mark | 0x4000` (or `^`). */
  | { readonly op: 'mark-set'; readonly fn: '|' | '^'; readonly value: number }
  /** `update @set { ip saddr }`. */
  | { readonly op: 'update'; readonly set: string; readonly sel: NftSelector }
  | { readonly op: 'masquerade'; readonly fullyRandom: boolean }
  | { readonly op: 'dnat'; readonly addr: string; readonly port: number | undefined }
  | { readonly op: 'counter' }
  | { readonly op: 'verdict'; readonly verdict: NftVerdict };

export interface NftRule {
  readonly exprs: readonly NftExpr[];
  readonly comment: string | undefined;
  /** The rule as `nft list` prints it. */
  readonly text: string;
}

export interface NftBaseChain {
  readonly type: 'filter' | 'nat' | 'route';
  readonly hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  readonly priority: number;
  readonly policy: 'accept' | 'drop';
}

export interface NftChain {
  readonly name: string;
  readonly base: NftBaseChain | undefined;
  readonly comment: string | undefined;
  readonly rules: readonly NftRule[];
}

export interface NftElement {
  /** Key parts (`172.30.0.41`, `tcp`, `80`), or one address / CIDR for plain sets. */
  readonly key: readonly string[];
  readonly value: NftVerdict | undefined;
  readonly comment: string | undefined;
}

export interface NftSet {
  readonly name: string;
  readonly map: boolean;
  /** `ipv4_addr . inet_proto . inet_service` (the key type, as written). */
  readonly keyType: string;
  readonly flags: readonly string[];
  readonly timeout: number | undefined;
  /** `size N`: the most elements the set may hold; unset means no limit. */
  readonly size?: number;
  readonly comment: string | undefined;
  readonly elements: readonly NftElement[];
}

export interface NftTable {
  readonly family: 'ip';
  readonly name: string;
  readonly comment: string | undefined;
  readonly sets: ReadonlyMap<string, NftSet>;
  readonly chains: ReadonlyMap<string, NftChain>;
}

export function verdictText(v: NftVerdict): string {
  return v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.chain}` : v.kind;
}

/**
 * Standard priority names for the ip family, in the order nft's `std_prios` table lists them
 * (src/rule.c): `prio2str` walks this order when printing.
 */
export const PRIORITY_NAMES: Readonly<Record<string, number>> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };

/**
 * Which nft userspace prints the priorities. nft 1.0.6 (Debian 12) lets `dstnat` name only the
 * prerouting hook and `srcnat` only postrouting (std_prio_family_hook_compat); nftables commit
 * "rule: allow srcnat/dstnat priority in output/input hooks" (nft >= 1.0.8) also allows dstnat in
 * output and srcnat in input.
 */
export type NftPriorityDialect = '1.0.6' | '1.0.8';

/** Whether nft accepts and prints standard priority `name` at `hook` of the ip family. */
export function priorityNameApplies(name: string, hook: string, dialect: NftPriorityDialect = '1.0.6'): boolean {
  switch (name) {
    case 'raw':
    case 'mangle':
    case 'filter':
    case 'security':
      return true;
    case 'dstnat':
      return hook === 'prerouting' || (dialect !== '1.0.6' && hook === 'output');
    case 'srcnat':
      return hook === 'postrouting' || (dialect !== '1.0.6' && hook === 'input');
    default:
      return false;
  }
}

/**
 * A base chain's priority as `nft list` prints it (nft's prio2str): the first standard priority
 * within 10 of the value names it (`dstnat - 10`, `filter`, `srcnat`), but only where that name is
 * valid for the hook; otherwise, and when the first one within reach does not apply, the number
 * (`-110` at input, `-100` for nat output). Knftables sends numbers, so this is what kube-proxy's
 * table reads back as.
 */
export function priorityText(p: number, hook: string, dialect: NftPriorityDialect = '1.0.6'): string {
  for (const [name, v] of Object.entries(PRIORITY_NAMES)) {
    const offset = p - v;
    if (Math.abs(offset) > 10) continue;
    if (!priorityNameApplies(name, hook, dialect)) break;
    return offset === 0 ? name : offset > 0 ? `${name} + ${offset}` : `${name} - ${-offset}`;
  }
  return String(p);
}
