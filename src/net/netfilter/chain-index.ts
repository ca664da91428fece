import type { Packet } from '../../packet/index.js';
import type { HookHop } from '../hooks.js';
import type { Chain, Rule } from './types.js';
import { FlatRule } from './flat-rule.js';
import { buildPlan, H_INDEX, hintKeys, PLAN_HEAD, PLAN_SLOTS } from './chain-plan.js';
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
   * The walker's memo for walks of one table (`planTable`; the chain a jump lands in is looked up by name in the
   * table): a head with the index and name, then per rule what to test, the test words, the target and text, and
   * what the walker learns (a taken jump's result, hop and chain). Layout and reasons in chain-plan.ts.
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
      const plan = buildPlan(this.rules, this.index, this.name);
      this.plan = plan;
      this.planTable = table;
    }
    return this.plan;
  }
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
  return new CompiledChain(chain, chain.rules, undefined);
}

/** The lookup keys a rule cannot match without, merged over its matches; undefined if contradictory. */
export function ruleKeys(rule: Rule): { dst?: number; proto?: number; dport?: number } | undefined {
  return rule instanceof FlatRule ? rule.indexKeys() : hintKeys(rule.matches);
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
  // The head's index slot holds a ChainIndex or undefined (buildPlan): a compare, not an instanceof (a prototype
  // walk for every rule a packet meets in a short chain).
  const x = plan[H_INDEX];
  if (x !== undefined) return (x as ChainIndex).next(from, p);
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
