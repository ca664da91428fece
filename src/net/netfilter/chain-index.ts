import { PROTO_NUMBER } from '../../addr/index.js';
import type { Packet } from '../../packet/index.js';
import type { Chain, Rule } from './types.js';
import { FlatRule } from './flat-rule.js';

/** Chains shorter than this are scanned linearly; an index would cost more than it saves. */
export const INDEX_MIN_RULES = 16;

/**
 * A chain prepared for evaluation. `next(from, p)` returns the position of the first rule at or
 * after `from` that can possibly match packet `p`, or -1. With an index, rules whose built-in
 * `-d ip/32`, `-p` and single `--dport` are all known are found by exact lookup and rules with
 * `-p` + `--dport` only by port lookup; every other rule stays in an ordered "rest" list. The
 * smallest candidate position among the three lists is exactly the next rule a linear scan
 * would have to test, so first-match semantics are unchanged.
 */
export interface CompiledChain {
  readonly chain: Chain;
  readonly rules: readonly Rule[];
  next(from: number, p: Packet): number;
}

const cache = new WeakMap<Chain, CompiledChain>();

const linearCache = new WeakMap<Chain, CompiledChain>();

export function compileChain(chain: Chain, linear = false): CompiledChain {
  const short = chain.rules.length < INDEX_MIN_RULES;
  const map = linear || short ? linearCache : cache;
  let c = map.get(chain);
  if (c === undefined) {
    c = linear || short ? linearChain(chain) : indexedChain(chain);
    map.set(chain, c);
  }
  return c;
}

function linearChain(chain: Chain): CompiledChain {
  const n = chain.rules.length;
  return { chain, rules: chain.rules, next: (from) => (from < n ? from : -1) };
}

/** The lookup keys a rule cannot match without, merged over its matches; undefined if contradictory. */
export function ruleKeys(rule: Rule): { dst?: number; proto?: number; dport?: number } | undefined {
  if (rule instanceof FlatRule) return rule.indexKeys();
  let dst: number | undefined;
  let proto: number | undefined;
  let dport: number | undefined;
  for (const m of rule.matches) {
    const h = m.hints;
    if (h === undefined) continue;
    if (h.dst !== undefined) {
      if (dst !== undefined && dst !== h.dst) return undefined;
      dst = h.dst;
    }
    if (h.proto !== undefined) {
      if (proto !== undefined && proto !== h.proto) return undefined;
      proto = h.proto;
    }
    if (h.dport !== undefined) {
      if (dport !== undefined && dport !== h.dport) return undefined;
      dport = h.dport;
    }
  }
  const out: { dst?: number; proto?: number; dport?: number } = {};
  if (dst !== undefined) out.dst = dst;
  if (proto !== undefined) out.proto = proto;
  if (dport !== undefined) out.dport = dport;
  return out;
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] ?? 0) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo < a.length ? (a[lo] ?? -1) : -1;
}

function indexedChain(chain: Chain): CompiledChain {
  const full = new Map<number, Map<number, number[]>>();
  const byPort = new Map<number, number[]>();
  const rest: number[] = [];
  chain.rules.forEach((rule, i) => {
    const k = ruleKeys(rule);
    if (k?.proto !== undefined && k.dport !== undefined) {
      const pk = k.proto * 65536 + k.dport;
      if (k.dst !== undefined) {
        let m = full.get(k.dst);
        if (m === undefined) full.set(k.dst, (m = new Map()));
        const l = m.get(pk);
        if (l === undefined) m.set(pk, [i]);
        else l.push(i);
      } else {
        const l = byPort.get(pk);
        if (l === undefined) byPort.set(pk, [i]);
        else l.push(i);
      }
    } else {
      rest.push(i);
    }
  });
  const EMPTY: number[] = [];
  return {
    chain,
    rules: chain.rules,
    next(from, p) {
      const pk = PROTO_NUMBER[p.proto] * 65536 + p.dport;
      const a = full.get(p.dst)?.get(pk) ?? EMPTY;
      const b = byPort.get(pk) ?? EMPTY;
      let best = lowerBound(rest, from);
      const x = a.length === 0 ? -1 : lowerBound(a, from);
      if (x >= 0 && (best < 0 || x < best)) best = x;
      const y = b.length === 0 ? -1 : lowerBound(b, from);
      if (y >= 0 && (best < 0 || y < best)) best = y;
      return best;
    },
  };
}
