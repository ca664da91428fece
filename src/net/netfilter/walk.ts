import { Fraction } from '../../lib/index.js';
import { type Hook, type HookHop, type HookVerdict, type HostView, type Skb, hookIndex } from '../hooks.js';
import { type CompiledChain, compileChain, planNext } from './chain-index.js';
import { H_NAME, P_COND, P_FRAME, P_HOP, P_NEXT, P_NEXTPLAN, P_RESULT, P_RULE, P_STAT, P_TARGET, P_TESTS, P_TEXT, P_TKIND, P_TWORDS, P_WORDS, PLAN_FLAT, PLAN_HEAD, PLAN_MATCHES, PLAN_SLOTS, PLAN_TEST, TK_DNAT, TK_REDIRECT } from './chain-plan.js';
import { dnatTo } from './target/dnat.js';
import { redirectTo } from './target/redirect.js';
import type { Ip4 } from '../../addr/index.js';
import type { IpsetRegistry } from './ipset/index.js';
import type { NfState } from './state.js';
import { StatisticRandomMatch } from './match/statistic.js';
import { HK, type HopKind, NatRuleHop, RuleHop } from './hop.js';
import { FlatRule, testWordsAt } from './flat-rule.js';
import { statisticNote } from './statistic-note.js';
import { complementOf, times } from './pick-probability.js';
import type { EvalCtx, Match, Rule, Table, Target, TargetResult } from './types.js';
import { ChainTarget } from './target/standard.js';
import { TR } from './types.js';

/**
 * One outcome of running a table at a hook. Every call returns fresh results that belong to the caller, which may
 * update `skb` and `state` in place (the nat handler records its NAT decision in the conntrack entry on each branch):
 * a first packet's branches would otherwise be copied at every nat hook.
 */
export interface WalkResult {
  readonly probability: Fraction;
  readonly verdict: HookVerdict;
  skb: Skb;
  state: NfState;
  readonly hops: readonly HookHop[];
}

export interface WalkInput {
  readonly host: HostView;
  readonly ipsets: IpsetRegistry;
  readonly nowMs: number;
  readonly skb: Skb;
  readonly state: NfState;
  /** Evaluate without chain indexes (tests compare both). */
  readonly linear?: boolean;
}

/** A jump's return point; the stack is a linked list, so a fork shares it instead of copying. */
interface Frame {
  readonly chain: CompiledChain;
  readonly plan: unknown[] | undefined;
  readonly pos: number;
  readonly up: Frame | undefined;
}

/**
 * One path of a walk, and the cursor its matches and targets read (a Path is the EvalCtx they are given: one object
 * per walk and per fork, not a path and its context).
 */
interface Path extends EvalCtx {
  chain: CompiledChain;
  /**
   * The chain's plan for this walk's table (undefined: a linear walk). Carried beside the chain so that entering a
   * chain through a jump taken before reads its plan (from the jumping rule's slots), not the CompiledChain object.
   */
  plan: unknown[] | undefined;
  pos: number;
  stack: Frame | undefined;
  depth: number;
  prob: Fraction;
  hops: HookHop[];
}

/** A path, its fields always written in this order (one hidden class for every path, so matches read it monomorphically). */
function makePath(
  hook: Hook,
  table: EvalCtx['table'],
  host: HostView,
  ipsets: IpsetRegistry,
  nowMs: number,
  skb: Skb,
  state: NfState,
  chain: CompiledChain,
  plan: unknown[] | undefined,
  pos: number,
  stack: Frame | undefined,
  depth: number,
  prob: Fraction,
  hops: HookHop[],
): Path {
  return { hook, table, host, ipsets, nowMs, skb, state, natType: undefined, note: undefined, chain, plan, pos, stack, depth, prob, hops };
}

const NO_MATCHES: readonly Match[] = [];

/** Verdicts are values: one shared accept. */
export const ACCEPT: HookVerdict = Object.freeze({ kind: 'accept' });

/** The kernel's limit on nested jumps is far above anything sane; deeper means a loop. */
const MAX_DEPTH = 64;

/** The chain a jump/goto enters, compiled (undefined when the table has no such chain). */
function jumpChain(target: Target, table: Table, linear: boolean): CompiledChain | undefined {
  if (target instanceof ChainTarget && !linear) {
    if (target.resolvedIn !== table) {
      const c = table.chains.get(target.chain);
      target.resolved = c === undefined ? undefined : compileChain(c, false);
      target.resolvedIn = table;
    }
    return target.resolved;
  }
  const c = target.chain === undefined ? undefined : table.chains.get(target.chain);
  return c === undefined ? undefined : compileChain(c, linear);
}

/** The "did not match" branch of a random pick: it resumes after this rule with a copy of everything (`notProb` = 1 - p). */
function fork(p: Path, notProb: Fraction): Path {
  // natType and note are set afresh before every target (runPath), so the copy need not carry them.
  return makePath(p.hook, p.table, p.host, p.ipsets, p.nowMs, p.skb, p.state, p.chain, p.plan, p.pos, p.stack, p.depth, times(p.prob, notProb), p.hops.slice());
}

/** One call's outcomes and the forked paths still to run (allocated at the first fork only). */
interface Walk {
  readonly table: Table;
  /** The built-in chain the walk started in (its policy ends the walk). */
  readonly start: CompiledChain;
  readonly hook: Hook;
  readonly policy: string;
  readonly linear: boolean;
  /** Made with the first result (an array literal; pushing into `[]` calls V8's elements-growing builtin). */
  results: WalkResult[] | undefined;
  pending: Path[] | undefined;
}

function finish(w: Walk, p: Path, verdict: HookVerdict): void {
  const r: WalkResult = { probability: p.prob, verdict, skb: p.skb, state: p.state, hops: p.hops };
  if (w.results === undefined) w.results = [r];
  else w.results.push(r);
}

/** The end of the built-in chain: its policy decides. */
function policy(w: Walk, p: Path): void {
  const pol = w.policy;
  // One text per built-in chain (its hook, table and policy are fixed): one hop, made once and
  // shared by every packet that ends here.
  const start = w.start;
  let hop = start.policyHop;
  if (hop === undefined || hop.table !== w.table.name) {
    hop = { step: 'netfilter', table: w.table.name, chain: w.hook, detail: `policy ${pol}` };
    start.policyHop = hop;
  }
  p.hops.push(hop);
  finish(w, p, pol === 'ACCEPT' ? ACCEPT : { kind: 'drop', reason: `${w.table.name} ${w.hook} policy DROP` });
}

/**
 * The built-in chain for each hook (by hookIndex; null: none), compiled, cached per table (tables are immutable: a
 * restore builds new ones).
 */
type Starts = (CompiledChain | null | undefined)[];
const starts = new WeakMap<Table, Starts>();
/** The last RECENT tables walked and their entries in `starts`, replaced in turn (holds at most four tables alive). */
const RECENT = 4;
const recentTables: (Table | undefined)[] = [undefined, undefined, undefined, undefined];
const recentStarts: (Starts | undefined)[] = [undefined, undefined, undefined, undefined];
let nextRecent = 0;

function startChain(table: Table, hook: Hook, linear: boolean): CompiledChain | undefined {
  if (linear) {
    const c = table.chains.get(hook);
    return c === undefined ? undefined : compileChain(c, true);
  }
  // The last few tables walked first, by identity: a trace's walks alternate between a few tables (nat, filter), and
  // the WeakMap lookup (an identity hash probe) was a visible part of every hook. (Not by name: a parsed table's name
  // need not be an internalized string, and comparing it is a call.)
  let m: Starts | undefined;
  for (let k = 0; k < RECENT; k++) {
    if (recentTables[k] === table) {
      m = recentStarts[k];
      break;
    }
  }
  if (m === undefined) {
    m = starts.get(table);
    if (m === undefined) {
      m = [undefined, undefined, undefined, undefined, undefined];
      starts.set(table, m);
    }
    recentTables[nextRecent] = table;
    recentStarts[nextRecent] = m;
    nextRecent = (nextRecent + 1) % RECENT;
  }
  const h = hookIndex(hook);
  let c = m[h];
  if (c === undefined) {
    const chain = table.chains.get(hook);
    c = chain === undefined ? null : compileChain(chain, false);
    m[h] = c;
  }
  return c ?? undefined;
}

/**
 * Runs one table's built-in chain for `hook` as ipt_do_table does: rules in order, first
 * matching terminal target wins, jump/goto/RETURN through user chains, the policy at the end of
 * the built-in chain. A `statistic --mode random` match forks the path: one branch continues as
 * if it matched (probability p), the other as if not (1 - p), with exact kernel fractions.
 */
export function walkTable(table: Table, hook: Hook, input: WalkInput): WalkResult[] {
  return walkTableOf(table, hook, input.host, input.ipsets, input.nowMs, input.skb, input.state, input.linear === true);
}

/** walkTable with the input as arguments (the netfilter's hooks call it: no input object per walk). */
export function walkTableOf(table: Table, hook: Hook, host: HostView, ipsets: IpsetRegistry, nowMs: number, skb: Skb, state: NfState, linear: boolean): WalkResult[] {
  const start = startChain(table, hook, linear);
  if (start === undefined) return [{ probability: Fraction.ONE, verdict: ACCEPT, skb, state, hops: [] }];
  const w: Walk = { table, start, hook, policy: start.chain.policy ?? 'ACCEPT', linear, results: undefined, pending: undefined };
  runPath(w, makePath(hook, table.name, host, ipsets, nowMs, skb, state, start, linear ? undefined : start.planIn(table), 0, undefined, 0, Fraction.ONE, []));
  // Forks only come from random statistic matches; each runs to its end in turn.
  for (let p = w.pending?.pop(); p !== undefined; p = w.pending?.pop()) runPath(w, p);
  return w.results ?? [];
}

function forkOff(w: Walk, p: Path, notProb: Fraction): void {
  const f = fork(p, notProb);
  if (w.pending === undefined) w.pending = [f];
  else w.pending.push(f);
}

const PICK_NEVER = 0;
const PICK_ALWAYS = 1;
const PICK_FORKED = 2;

/**
 * A `statistic --mode random` pick with probability `prob`: never (0), always (1), or a fork, where this path goes on
 * as if it matched (its probability times `prob`) and the not-taken side (1 - prob) is queued to resume after the rule.
 */
function randomPick(w: Walk, p: Path, prob: Fraction, complement: Fraction | undefined): typeof PICK_NEVER | typeof PICK_ALWAYS | typeof PICK_FORKED {
  if (prob.isZero()) return PICK_NEVER;
  if (prob.isOne()) return PICK_ALWAYS;
  forkOff(w, p, complement ?? complementOf(prob));
  p.prob = times(p.prob, prob);
  return PICK_FORKED;
}

/**
 * The end of a chain or a RETURN: back to the rule after the jump that entered it, or, at the built-in chain, its
 * policy. True when that ended the path.
 */
function returnFrom(w: Walk, p: Path): boolean {
  const back = p.stack;
  if (back === undefined) {
    policy(w, p);
    return true;
  }
  p.chain = back.chain;
  p.plan = back.plan;
  p.pos = back.pos;
  p.stack = back.up;
  p.depth--;
  return false;
}

/**
 * The hop a rule reports when it depends on nothing but the rule and the target's result (no
 * note, no NAT), kept in the compiled chain's plan at `b` (slots P_RESULT, P_HOP) and shared by
 * every packet taking the rule. Hops are immutable values (their detail is formatted on first
 * read, the same for every packet); a compiled chain belongs to one immutable chain, so
 * position, rule text and chain name never change under it.
 */
function planHop(plan: unknown[], b: number, r: number, chainName: string, i: number, tname: string, text: string, kind: HopKind, target: Target, extra: string): HookHop {
  if (plan[b + P_RESULT] === r) {
    const h = plan[b + P_HOP];
    if (h !== undefined) return h as HookHop;
  }
  const n = new RuleHop(tname, chainName, i + 1, text, kind, target, undefined, extra);
  plan[b + P_RESULT] = r;
  plan[b + P_HOP] = n;
  plan[b + P_NEXT] = undefined;
  return n;
}

/**
 * The return point of a jump from the built-in chain by the rule at `b` of `plan` (chain `c`): frames are immutable
 * values and this one depends on nothing else, so it is made once and kept in the plan (kube-proxy's base chains jump
 * from every built-in chain, a first packet of a pod-to-pod trace six times a node).
 */
function builtinReturn(plan: unknown[], b: number, c: CompiledChain, pos: number): Frame {
  const f = plan[b + P_FRAME] as Frame | undefined;
  if (f !== undefined) return f;
  const n: Frame = { chain: c, plan, pos, up: undefined };
  plan[b + P_FRAME] = n;
  return n;
}

/** A FlatRule's test, from the plan's words when there is a plan (the rule object is then not read). */
function flatTest(plan: unknown[] | undefined, b: number, rule: Rule | undefined, ctx: EvalCtx, part: 0 | 1): boolean {
  if (plan !== undefined) return testWordsAt(plan, b + P_WORDS, ctx, part);
  return rule instanceof FlatRule && rule.test(ctx, part);
}

/** Runs one path until it reaches a verdict (pushing the not-taken side of every random pick to `w.pending`). */
function runPath(w: Walk, p: Path): void {
  const ctx: EvalCtx = p;
  const table = w.table;
  const tname = table.name;
  const linear = w.linear;
  for (;;) {
    const plan = p.plan;
    const i = plan === undefined ? p.chain.next(p.pos, ctx.skb.packet) : planNext(plan, p.pos, ctx.skb.packet);
    if (i < 0) {
      if (returnFrom(w, p)) return;
      continue;
    }
    const c = p.chain;
    const b = PLAN_HEAD + i * PLAN_SLOTS;
    p.pos = i + 1;
    // The rule object is read only without a plan (linear walks) or for a rule whose matches are tested one by one.
    let rule: Rule | undefined;
    let cond: unknown;
    if (plan === undefined) {
      rule = c.rules[i];
      if (rule === undefined) continue;
      cond = rule instanceof FlatRule ? PLAN_FLAT : PLAN_TEST;
    } else cond = plan[b + P_COND];
    let forked = false;
    let stat: StatisticRandomMatch | undefined;
    if (cond === PLAN_MATCHES) {
      // Matches (only a comment, or exactly the keys the chain index found it by).
    } else if (cond === PLAN_FLAT) {
      // kube-proxy's rule shapes: tested from the rule's fields (no Match objects), copied into the plan.
      stat = plan === undefined ? (rule instanceof FlatRule ? rule.stat : undefined) : (plan[b + P_STAT] as StatisticRandomMatch | undefined);
      if (!flatTest(plan, b, rule, ctx, 0)) continue;
      if (stat !== undefined) {
        const pick = randomPick(w, p, stat.probability, stat.complement);
        if (pick === PICK_NEVER) continue;
        forked = pick === PICK_FORKED;
        if (!flatTest(plan, b, rule, ctx, 1)) continue;
      }
    } else if (cond instanceof StatisticRandomMatch) {
      // Only the random pick: the same fork as below.
      stat = cond;
      const pick = randomPick(w, p, cond.probability, cond.complement);
      if (pick === PICK_NEVER) continue;
      forked = pick === PICK_FORKED;
    } else {
      // The rule's matches less its comments (the plan's), or all of them (a linear walk).
      const ms = plan === undefined ? (rule?.matches ?? NO_MATCHES) : (plan[b + P_TESTS] as readonly Match[]);
      let matched = true;
      for (let k = 0; k < ms.length; k++) {
        const m = ms[k];
        if (m === undefined) continue;
        const prob = m.probability;
        if (prob !== undefined) {
          const pick = randomPick(w, p, prob, undefined);
          if (pick === PICK_NEVER) {
            matched = false;
            break;
          }
          if (pick === PICK_FORKED) forked = true;
          continue;
        }
        if (!m.evaluate(ctx)) {
          matched = false;
          break;
        }
      }
      if (!matched) continue;
    }
    if (plan !== undefined && (plan[b + P_RESULT] === TR.Jump || plan[b + P_RESULT] === TR.Goto)) {
      // A jump taken before: its hop and the chain it enters, with that chain's plan, are in the plan (ChainTarget.apply
      // has no effect).
      const next = plan[b + P_NEXT] as CompiledChain;
      p.hops.push(plan[b + P_HOP] as HookHop);
      if (p.depth >= MAX_DEPTH) {
        finish(w, p, { kind: 'drop', reason: `chain loop through ${next.name}` });
        return;
      }
      if (plan[b + P_RESULT] === TR.Jump) {
        p.stack = p.stack === undefined ? builtinReturn(plan, b, c, p.pos) : { chain: c, plan, pos: p.pos, up: p.stack };
        p.depth++;
      }
      p.chain = next;
      p.plan = plan[b + P_NEXTPLAN] as unknown[];
      p.pos = 0;
      continue;
    }
    const target = plan === undefined ? rule?.target : (plan[b + P_TARGET] as Target | undefined);
    if (target === undefined) continue;
    const text = plan === undefined ? (rule?.text ?? '') : (plan[b + P_TEXT] as string);
    const before = ctx.skb.packet;
    ctx.natType = undefined;
    ctx.note = undefined;
    // kube-proxy's endpoint DNAT and userspace portal REDIRECT from the plan's words (the target object is then not read).
    let r: TargetResult;
    if (plan === undefined) r = target.apply(ctx);
    else {
      const tk = plan[b + P_TKIND];
      r = tk === TK_DNAT ? dnatTo(ctx, plan[b + P_TWORDS] as Ip4, plan[b + P_TWORDS + 1] as number, plan[b + P_TWORDS + 2] as number) : tk === TK_REDIRECT ? redirectTo(ctx, plan[b + P_TWORDS] as number) : target.apply(ctx);
    }
    const chainName = plan === undefined ? c.name : (plan[H_NAME] as string);
    const ruleNumber = i + 1;
    const extra = forked ? statisticNote(stat, plan === undefined ? rule : (plan[b + P_RULE] as Rule | undefined)) : '';
    if (r === TR.Continue) {
      p.hops.push(ctx.note === undefined && plan !== undefined ? planHop(plan, b, r, chainName, i, tname, text, HK.Target, target, extra) : new RuleHop(tname, chainName, ruleNumber, text, HK.Target, target, ctx.note, extra));
      continue;
    }
    if (r === TR.Jump || r === TR.Goto) {
      const next = jumpChain(target, table, linear);
      const nextPlan = linear ? undefined : next?.planIn(table);
      const hop = new RuleHop(tname, chainName, ruleNumber, text, r === TR.Goto ? HK.Goto : HK.Jump, target, undefined, extra);
      // The jump's chain by name is fixed for this table: remember it (only a ChainTarget's result never changes).
      if (plan !== undefined && next !== undefined && target instanceof ChainTarget) {
        plan[b + P_RESULT] = r;
        plan[b + P_HOP] = hop;
        plan[b + P_NEXT] = next;
        plan[b + P_NEXTPLAN] = nextPlan;
      }
      p.hops.push(hop);
      if (next === undefined || p.depth >= MAX_DEPTH) {
        finish(w, p, { kind: 'drop', reason: next === undefined ? `chain ${target.name} does not exist` : `chain loop through ${target.name}` });
        return;
      }
      if (r === TR.Jump) {
        p.stack = { chain: p.chain, plan, pos: p.pos, up: p.stack };
        p.depth++;
      }
      p.chain = next;
      p.plan = nextPlan;
      p.pos = 0;
      continue;
    }
    if (r === TR.Return) {
      p.hops.push(plan === undefined ? new RuleHop(tname, chainName, ruleNumber, text, HK.Return, target, undefined, extra) : planHop(plan, b, r, chainName, i, tname, text, HK.Return, target, extra));
      if (returnFrom(w, p)) return;
      continue;
    }
    if (r === TR.Accept) {
      const nat = ctx.natType;
      p.hops.push(
        nat === undefined
          ? plan === undefined
            ? new RuleHop(tname, chainName, ruleNumber, text, HK.Target, target, undefined, extra)
            : planHop(plan, b, r, chainName, i, tname, text, HK.Target, target, extra)
          : new NatRuleHop(tname, chainName, ruleNumber, text, target, extra, nat, before, ctx.skb.packet),
      );
      finish(w, p, ACCEPT);
      return;
    }
    if (r === TR.Drop) {
      p.hops.push(new RuleHop(tname, chainName, ruleNumber, text, HK.Target, target, ctx.note, extra));
      finish(w, p, { kind: 'drop', reason: `${tname} ${chainName} rule ${ruleNumber}: ${ctx.note ?? text}` });
      return;
    }
    // Reject
    const rw = target.rejectWith ?? 'icmp-port-unreachable';
    p.hops.push(new RuleHop(tname, chainName, ruleNumber, text, HK.Reject, target, rw, extra));
    finish(w, p, { kind: 'reject', reason: `${tname} ${chainName} rule ${ruleNumber}: ${text}`, with: rw });
    return;
  }
}
