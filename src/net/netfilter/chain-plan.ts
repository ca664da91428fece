import { FLAT_WORDS, FlatRule } from './flat-rule.js';
import { DNAT_WORDS, DnatTarget } from './target/dnat.js';
import { RedirectTarget } from './target/redirect.js';
import { CommentMatch } from './match/comment.js';
import type { Match, Rule } from './types.js';

/**
 * A CompiledChain's plan: a head of PLAN_HEAD slots (H_*), then PLAN_SLOTS slots per rule, at these offsets from
 * the rule's first. Read in this order by a walk (what to test, then the result, hop and chain of a jump taken
 * before; the test words; the rest). One flat array, so that a packet testing and taking a rule reads a cache line
 * or two here instead of the rule, its target, the hop and the next chain objects one by one (at 10,000 Services
 * every one of those is a cache miss).
 */
export const PLAN_SLOTS = 23;
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
/**
 * How the target applies: TK_APPLY (its apply method), TK_DNAT (dnatTo over the DNAT_WORDS words at P_TWORDS) or
 * TK_REDIRECT (redirectTo over the word RedirectTarget.writeWords writes there).
 */
export const P_TKIND = P_WORDS + FLAT_WORDS;
export const P_TWORDS = P_TKIND + 1;
export const TK_APPLY = 0;
export const TK_DNAT = 1;
export const TK_REDIRECT = 2;
/** The rule's target, text and the rule itself (for its matches when they must be tested one by one). */
export const P_TARGET = P_TWORDS + DNAT_WORDS;
export const P_TEXT = P_TARGET + 1;
export const P_RULE = P_TEXT + 1;
/**
 * For a rule whose matches are tested one by one (PLAN_TEST): those matches without its comments, which always match
 * and change nothing (kube-proxy comments nearly every rule, so its FORWARD chain's `-m conntrack --ctstate NEW -m
 * comment` rules test one match, not two, and read neither the rule nor its match list).
 */
export const P_TESTS = P_RULE + 1;
/**
 * For a jump taken before from the built-in chain: the return point a walk pushes, the same value every time (this
 * chain, the next rule, an empty stack below), made once (walk.ts).
 */
export const P_FRAME = P_TESTS + 1;
/**
 * Plan test slot values (besides a statistic match): test the rule's matches; nothing to test; test a FlatRule from
 * its fields. The kind is decided once here: an `instanceof` per rule and packet (a prototype walk for every rule
 * that is not a FlatRule) was the costliest line of short chains' walks.
 */
export const PLAN_TEST = 0;
export const PLAN_MATCHES = 1;
export const PLAN_FLAT = 2;

/**
 * A chain's plan for walks of one table (see CompiledChain.planIn): the head, then each rule's slots with what is
 * known before any packet (what to test, the test words, how the target applies, target, text, rule); the walker
 * fills in a taken jump's or verdict's result, hop and chain.
 */
export function buildPlan(rules: readonly Rule[], index: unknown, name: string): unknown[] {
  // Built by pushing: `new Array(n)` past 100,000 elements (KUBE-SERVICES at 10,000 Services) is a dictionary.
  const plan: unknown[] = [index, name];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    const at = plan.length;
    let cond: unknown = PLAN_TEST;
    let stat: unknown = undefined;
    if (rule instanceof FlatRule) {
      const need = rule.testNeed;
      stat = rule.stat;
      // Keys suffice only where `next` found the rule by them: an indexed chain (its keyed rules are never "rest").
      cond = need === 0 || (need === 1 && index !== undefined) ? (rule.stat ?? PLAN_MATCHES) : PLAN_FLAT;
    }
    let tests: readonly Match[] | undefined;
    if (cond === PLAN_TEST && rule !== undefined) {
      tests = rule.matches.filter((m) => !(m instanceof CommentMatch));
      if (tests.length === 0 || (index !== undefined && keysSay(tests))) cond = PLAN_MATCHES;
    }
    const target = rule?.target;
    plan.push(cond, undefined, undefined, undefined, undefined, stat, 0, 0, 0, 0, 0, 0, 0, undefined, TK_APPLY, 0, 0, 0, target, rule?.text, rule, tests, undefined);
    if (rule instanceof FlatRule) rule.writeTestWords(plan, at + P_WORDS);
    if (target instanceof DnatTarget) {
      plan[at + P_TKIND] = TK_DNAT;
      target.writeWords(plan, at + P_TWORDS);
    } else if (target instanceof RedirectTarget) {
      plan[at + P_TKIND] = TK_REDIRECT;
      target.writeWords(plan, at + P_TWORDS);
    }
  }
  return plan;
}

/**
 * Whether matches that each test exactly their index keys (IndexHints.exact) give the rule a protocol and a destination
 * port, without contradiction: an indexed chain then returns the rule only for packets with those keys (ruleKeys,
 * chain-index.ts), which pass every one of the matches. userspace mode's portal rules (`-p tcp -m tcp --dport N -d
 * ip/32`, not a FlatRule shape) are found by their keys and tested no more: their match list and two match objects
 * were three more cache misses per packet at 10,000 Services.
 */
function keysSay(tests: readonly Match[]): boolean {
  if (!tests.every((m) => m.hints?.exact === true)) return false;
  const k = hintKeys(tests);
  return k?.proto !== undefined && k.dport !== undefined;
}

/** The index keys the matches' hints give together (a match without hints gives none), or undefined on a contradiction. */
export function hintKeys(matches: readonly Match[]): { dst?: number; proto?: number; dport?: number } | undefined {
  let dst: number | undefined;
  let proto: number | undefined;
  let dport: number | undefined;
  for (const m of matches) {
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
