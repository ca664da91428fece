import { Cidr4, type Ip4, ip4ToString, tryParseIp4 } from '../../addr/index.js';
import { Fraction } from '../../lib/index.js';
import type { NftChain, NftExpr, NftRule, NftSelector, NftTable, NftVerdict } from './types.js';

/** A static set's contents: exact keys, and the CIDRs of an interval set. */
export interface CompiledSet {
  readonly exact: ReadonlySet<string>;
  readonly cidrs: readonly Cidr4[];
}

/**
 * An expression prepared for the packet path: maps resolved to their hash tables (nf_tables looks
 * a vmap key up in the set's hash, it does not scan the elements), addresses parsed once, numgen's
 * choices indexed by the generated number.
 */
export type CompiledExpr =
  | { readonly op: 'ct-state'; readonly states: readonly string[] }
  /** `ip saddr` / `ip daddr` against addresses and CIDRs, compared as numbers. */
  | { readonly op: 'cmp-ip'; readonly src: boolean; readonly neg: boolean; readonly addrs: readonly Ip4[]; readonly cidrs: readonly Cidr4[] }
  /** Any other selector, compared as the text nft prints. */
  | { readonly op: 'cmp'; readonly sel: NftSelector; readonly neg: boolean; readonly values: readonly string[] }
  | { readonly op: 'in-set'; readonly sel: NftSelector; readonly neg: boolean; readonly set: string; readonly contents: CompiledSet | undefined; readonly ip: boolean }
  | { readonly op: 'fib'; readonly dir: 'saddr' | 'daddr'; readonly neg: boolean }
  | { readonly op: 'mark-and'; readonly mask: number; readonly value: number; readonly neg: boolean }
  | { readonly op: 'mark-set'; readonly fn: '|' | '^'; readonly value: number }
  | { readonly op: 'update'; readonly set: string; readonly sel: NftSelector }
  | { readonly op: 'masquerade'; readonly fullyRandom: boolean }
  /** `addr` undefined: the target did not parse, the rule never matches (as before compilation). */
  | { readonly op: 'dnat'; readonly addr: Ip4 | undefined; readonly port: number | undefined }
  | { readonly op: 'counter' }
  | { readonly op: 'verdict'; readonly verdict: NftVerdict }
  /** `name` is the named map (`@service-ips`), undefined for an anonymous one. */
  | { readonly op: 'vmap'; readonly key: readonly NftSelector[]; readonly map: ReadonlyMap<string, NftVerdict> | undefined; readonly name: string | undefined }
  | { readonly op: 'numgen'; readonly mod: number; readonly choices: readonly (NftVerdict | undefined)[]; readonly share: Fraction };

export interface CompiledRule {
  readonly rule: NftRule;
  /** 1-based, as hops number rules. */
  readonly number: number;
  readonly exprs: readonly CompiledExpr[];
}

export interface CompiledChain {
  readonly chain: NftChain;
  readonly rules: readonly CompiledRule[];
}

/** Lookup structures compiled once per table: vmap and set contents by key string, chains on first use. */
export interface CompiledTable {
  readonly table: NftTable;
  /** `ip kube-proxy`, as hops name the table. */
  readonly label: string;
  readonly maps: ReadonlyMap<string, ReadonlyMap<string, NftVerdict>>;
  readonly sets: ReadonlyMap<string, CompiledSet>;
  /** The chain's compiled rules (compiled when a packet first reaches it: most of 10k services' chains never see one). */
  chain(c: NftChain): CompiledChain;
  /** The compiled chain named `name`, undefined if the table has none. */
  chainNamed(name: string): CompiledChain | undefined;
}

export function compileTable(table: NftTable): CompiledTable {
  const maps = new Map<string, Map<string, NftVerdict>>();
  const sets = new Map<string, { exact: Set<string>; cidrs: Cidr4[] }>();
  for (const s of table.sets.values()) {
    if (s.map) {
      const m = new Map<string, NftVerdict>();
      for (const e of s.elements) if (e.value !== undefined) m.set(e.key.length === 1 ? (e.key[0] ?? '') : e.key.join(' . '), e.value);
      maps.set(s.name, m);
    } else {
      const exact = new Set<string>();
      const cidrs: Cidr4[] = [];
      for (const e of s.elements) {
        const k = e.key.join(' . ');
        if (k.includes('/')) cidrs.push(Cidr4.parse(k));
        else exact.add(k);
      }
      sets.set(s.name, { exact, cidrs });
    }
  }
  const compiled = new Map<NftChain, CompiledChain>();
  const ct: CompiledTable = {
    table,
    label: `${table.family} ${table.name}`,
    maps,
    sets,
    chain(c) {
      let cc = compiled.get(c);
      if (cc === undefined) {
        cc = { chain: c, rules: c.rules.map((r, i) => ({ rule: r, number: i + 1, exprs: r.exprs.map((e) => compileExpr(e, ct)) })) };
        compiled.set(c, cc);
      }
      return cc;
    },
    chainNamed(name) {
      const c = table.chains.get(name);
      return c === undefined ? undefined : ct.chain(c);
    },
  };
  return ct;
}

const shares = new Map<number, Fraction>();
function oneIn(n: number): Fraction {
  let f = shares.get(n);
  if (f === undefined) shares.set(n, (f = Fraction.of(1, n)));
  return f;
}

function compileExpr(e: NftExpr, ct: CompiledTable): CompiledExpr {
  switch (e.op) {
    case 'cmp': {
      if (e.sel !== 'ip saddr' && e.sel !== 'ip daddr') return e;
      // A plain value matched the printed address exactly; one that does not print back the same never matched.
      const addrs: Ip4[] = [];
      const cidrs: Cidr4[] = [];
      for (const v of e.values) {
        if (v.includes('/')) cidrs.push(Cidr4.parse(v));
        else {
          const ip = tryParseIp4(v);
          if (ip !== undefined && ip4ToString(ip) === v) addrs.push(ip);
        }
      }
      return { op: 'cmp-ip', src: e.sel === 'ip saddr', neg: e.neg, addrs, cidrs };
    }
    case 'in-set':
      return { op: 'in-set', sel: e.sel, neg: e.neg, set: e.set, contents: ct.sets.get(e.set), ip: e.sel === 'ip saddr' || e.sel === 'ip daddr' };
    case 'dnat':
      return { op: 'dnat', addr: tryParseIp4(e.addr), port: e.port };
    case 'vmap':
      return typeof e.map === 'string' ? { op: 'vmap', key: e.key, map: ct.maps.get(e.map), name: e.map } : { op: 'vmap', key: e.key, map: e.map, name: undefined };
    case 'numgen':
      return { op: 'numgen', mod: e.mod, choices: Array.from({ length: e.mod }, (_, n) => e.map.get(String(n))), share: oneIn(e.mod) };
    default:
      return e;
  }
}
