import type { Packet } from '../../packet/index.js';
import type { HookHop } from '../hooks.js';
import type { Chain, Rule } from './types.js';
import { FLAT_WORDS, FlatRule } from './flat-rule.js';
import { DNAT_WORDS, DnatTarget } from './target/dnat.js';
import { protoNumberOf } from './match/ip-header.js';

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
export class CompiledChain {
  /**
   * The walker's memo per rule position (see walk.ts), PLAN_SLOTS slots each (P_* offsets): what a
   * packet `next` returned the rule for must still satisfy (PLAN_TEST: test its matches; PLAN_FLAT: test the FlatRule's
   * fields; PLAN_MATCHES: nothing; a statistic match: only that, e.g. kube-proxy's endpoint picks with their comment);
   * the target's result when the rule matched (a TR value); the hop reported for it (when it
   * depends on nothing but the rule); for a jump the compiled chain it enters; a FlatRule's statistic match and test
   * words; the rule's target, text and the rule. Valid for one table (`planTable`):
   * the chain a jump lands in is looked up by name in the table. One flat array, so that a
   * packet testing and taking a rule reads a cache line or two here instead of the rule, the target, the hop and the
   * chain objects one by one (at 10,000 Services every one of those is a cache miss).
   */
  private plan: unknown[] | undefined;
  private planTable: unknown;
  /** The policy hop of a built-in chain, kept the same way. */
  policyHop: HookHop | undefined;
  /** The chain's name, read here for every hop (the Chain object is one memory access further). */
  readonly name: string;
  /** rules.length, read here (the rules array is one memory access further). */
  private readonly count: number;

  constructor(
    readonly chain: Chain,
    readonly rules: readonly Rule[],
    private readonly index: ChainIndex | undefined,
  ) {
    this.name = chain.name;
    this.count = rules.length;
  }

  next(from: number, p: Packet): number {
    const x = this.index;
    if (x === undefined) return from < this.count ? from : -1;
    return x.next(from, p);
  }

  /** The plan slots for walks of `table` (emptied when another table walks this chain). */
  planIn(table: unknown): unknown[] {
    if (this.plan === undefined || this.planTable !== table) {
      // Built by pushing: `new Array(n)` past 100,000 elements (KUBE-SERVICES at 10,000 Services) is a dictionary.
      const rules = this.rules;
      const plan: unknown[] = [this.index, this.name];
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i];
        const at = plan.length;
        let cond: unknown = PLAN_TEST;
        let stat: unknown = undefined;
        if (rule instanceof FlatRule) {
          const need = rule.testNeed;
          stat = rule.stat;
          // Keys suffice only where `next` found the rule by them: an indexed chain (its keyed rules are never "rest").
          cond = need === 0 || (need === 1 && this.index !== undefined) ? (rule.stat ?? PLAN_MATCHES) : PLAN_FLAT;
        }
        const target = rule?.target;
        plan.push(cond, undefined, undefined, undefined, undefined, stat, 0, 0, 0, 0, 0, 0, 0, undefined, TK_APPLY, 0, 0, 0, target, rule?.text, rule);
        if (rule instanceof FlatRule) rule.writeTestWords(plan, at + P_WORDS);
        if (target instanceof DnatTarget) {
          plan[at + P_TKIND] = TK_DNAT;
          target.writeWords(plan, at + P_TWORDS);
        }
      }
      this.plan = plan;
      this.planTable = table;
    }
    return this.plan;
  }
}

/**
 * A CompiledChain's plan: a head of PLAN_HEAD slots (H_*), then PLAN_SLOTS slots per rule, at these offsets from
 * the rule's first. Read in this order by a walk (what to test, then the result, hop and chain of a jump taken
 * before; the test words; the rest).
 */
export const PLAN_SLOTS = 21;
/** The head: the chain's index (undefined: scanned linearly) and name, so a walk holding the plan needs no more. */
export const PLAN_HEAD = 2;
export const H_INDEX = 0;
export const H_NAME = 1;
/** What a packet `next` returned the rule for must still satisfy (PLAN_TEST, PLAN_MATCHES, PLAN_FLAT or a statistic match). */
export const P_COND = 0;
/** The target's result when the rule matched before (a TR value), when it depends on nothing but the rule. */
export const P_RESULT = 1;
/** The hop reported for that result. */
export const P_HOP = 2;
/** For a jump or goto: the compiled chain it enters, and that chain's plan for the same table. */
export const P_NEXT = 3;
export const P_NEXTPLAN = 4;
/** A FlatRule's statistic match (undefined: none, or not a FlatRule). */
export const P_STAT = 5;
/** A FlatRule's test words (FlatRule.writeTestWords, FLAT_WORDS of them). */
export const P_WORDS = 6;
/** How the target applies: TK_APPLY (its apply method) or TK_DNAT (dnatTo over the DNAT_WORDS words at P_TWORDS). */
export const P_TKIND = P_WORDS + FLAT_WORDS;
export const P_TWORDS = P_TKIND + 1;
export const TK_APPLY = 0;
export const TK_DNAT = 1;
/** The rule's target, text and the rule itself (for its matches when they must be tested one by one). */
export const P_TARGET = P_TWORDS + DNAT_WORDS;
export const P_TEXT = P_TARGET + 1;
export const P_RULE = P_TEXT + 1;
/**
 * Plan test slot values (besides a statistic match): test the rule's matches; nothing to test; test a FlatRule from
 * its fields. The kind is decided once here: an `instanceof` per rule and packet (a prototype walk for every rule
 * that is not a FlatRule) was the costliest line of short chains' walks.
 */
export const PLAN_TEST = 0;
export const PLAN_MATCHES = 1;
export const PLAN_FLAT = 2;

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
  return new CompiledChain(chain, chain.rules, undefined);
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

/** Positions of the rules with one lookup key, ascending. */
type Positions = number[];

/**
 * An open-addressing hash table from (destination, protocol * 65536 + port) to the positions of
 * the rules keyed by exactly that pair, in flat typed arrays: a lookup reads a few adjacent
 * integers instead of two Maps (an outer one keyed by the address as a heap number, an inner one
 * per address), which at 10,000 Services cost several cache misses per packet.
 */
class FullIndex {
  private readonly mask: number;
  /**
   * Per slot, 4 integers (one cache line holds 4 slots): the address as a signed 32-bit value,
   * the port key plus one (0: empty slot), and a single position as itself (>= 0) or several as
   * ~(index into `lists`).
   */
  private readonly slots: Int32Array;
  private readonly lists: Positions[] = [];

  /** From the keyed rules in chain order: (dst, pk, position) triples, flat. */
  constructor(keyed: readonly number[]) {
    const count = keyed.length / 3;
    let cap = 8;
    while (cap < count * 2) cap *= 2;
    this.mask = cap - 1;
    const slots = new Int32Array(cap * 4);
    for (let j = 0; j < keyed.length; j += 3) {
      const d = (keyed[j] ?? 0) | 0;
      const pk = keyed[j + 1] ?? 0;
      const pos = keyed[j + 2] ?? 0;
      let h = slotOf(d, pk) & this.mask;
      for (;;) {
        const k = slots[h * 4 + 1] ?? 0;
        if (k === 0) {
          slots[h * 4] = d;
          slots[h * 4 + 1] = pk + 1;
          slots[h * 4 + 2] = pos;
          break;
        }
        if (k === pk + 1 && slots[h * 4] === d) {
          // A second rule with the same keys: the slot points to a list (positions ascend: chain order).
          const v = slots[h * 4 + 2] ?? 0;
          if (v >= 0) {
            slots[h * 4 + 2] = ~this.lists.length;
            this.lists.push([v, pos]);
          } else this.lists[~v]?.push(pos);
          break;
        }
        h = (h + 1) & this.mask;
      }
    }
    this.slots = slots;
  }

  /** The first position at or after `from` keyed by (dst, pk), or -1. */
  first(dst: number, pk: number, from: number): number {
    const slots = this.slots;
    const d = dst | 0;
    const want = pk + 1;
    for (let h = slotOf(d, pk) & this.mask; ; h = (h + 1) & this.mask) {
      const k = slots[h * 4 + 1] ?? 0;
      if (k === 0) return -1;
      if (k === want && slots[h * 4] === d) {
        const v = slots[h * 4 + 2] ?? -1;
        if (v >= 0) return v >= from ? v : -1;
        return lowerBound(this.lists[~v] ?? [], from);
      }
    }
  }
}

function slotOf(d: number, pk: number): number {
  const h = Math.imul(d ^ Math.imul(pk, 0x27d4eb2d), 0x9e3779b1);
  return h ^ (h >>> 15);
}

function indexedChain(chain: Chain): CompiledChain {
  const keyed: number[] = [];
  const byPort = new Map<number, Positions>();
  const rest: number[] = [];
  chain.rules.forEach((rule, i) => {
    const k = ruleKeys(rule);
    if (k?.proto !== undefined && k.dport !== undefined) {
      const pk = k.proto * 65536 + k.dport;
      if (k.dst !== undefined) keyed.push(k.dst, pk, i);
      else {
        const l = byPort.get(pk);
        if (l === undefined) byPort.set(pk, [i]);
        else l.push(i);
      }
    } else {
      rest.push(i);
    }
  });
  return new CompiledChain(chain, chain.rules, new ChainIndex(new FullIndex(keyed), byPort.size === 0 ? undefined : byPort, rest));
}

/** CompiledChain.next over the chain's plan (its head holds the index). */
export function planNext(plan: readonly unknown[], from: number, p: Packet): number {
  const x = plan[H_INDEX];
  if (x instanceof ChainIndex) return x.next(from, p);
  return PLAN_HEAD + from * PLAN_SLOTS < plan.length ? from : -1;
}

/** The three candidate lists of an indexed chain (see CompiledChain.next). */
class ChainIndex {
  constructor(
    private readonly full: FullIndex,
    private readonly ports: ReadonlyMap<number, Positions> | undefined,
    private readonly rest: Positions,
  ) {}

  next(from: number, p: Packet): number {
    const pk = protoNumberOf(p.proto) * 65536 + p.dport;
    let best = lowerBound(this.rest, from);
    const x = this.full.first(p.dst, pk, from);
    if (x >= 0 && (best < 0 || x < best)) best = x;
    if (this.ports !== undefined) {
      const b = this.ports.get(pk);
      const y = b === undefined ? -1 : lowerBound(b, from);
      if (y >= 0 && (best < 0 || y < best)) best = y;
    }
    return best;
  }
}
