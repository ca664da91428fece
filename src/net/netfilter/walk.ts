import { Fraction } from '../../lib/index.js';
import { flowKey } from '../../packet/index.js';
import type { Hook, HookHop, HookVerdict, HostView, Skb } from '../hooks.js';
import { type CompiledChain, compileChain } from './chain-index.js';
import type { IpsetRegistry } from './ipset/index.js';
import type { NfState } from './state.js';
import { probabilityText } from './match/statistic.js';
import type { EvalCtx, Rule, Table } from './types.js';
import { TR } from './types.js';

/** One outcome of running a table at a hook. */
export interface WalkResult {
  readonly probability: Fraction;
  readonly verdict: HookVerdict;
  readonly skb: Skb;
  readonly state: NfState;
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

interface Frame {
  readonly chain: CompiledChain;
  readonly pos: number;
}

interface Path {
  chain: CompiledChain;
  pos: number;
  stack: Frame[];
  ctx: EvalCtx;
  prob: Fraction;
  hops: HookHop[];
}

/** The kernel's limit on nested jumps is far above anything sane; deeper means a loop. */
const MAX_DEPTH = 64;
const TWO_31 = 2n ** 31n;

const notes = new WeakMap<Rule, string>();

/** The hop text explaining a rule's random pick (cached: it is built with bigints). */
function statisticNote(rule: Rule): string {
  let n = notes.get(rule);
  if (n === undefined) {
    n = buildStatisticNote(rule);
    notes.set(rule, n);
  }
  return n;
}

const complements = new WeakMap<Fraction, Fraction>();

function complementOf(p: Fraction): Fraction {
  let c = complements.get(p);
  if (c === undefined) {
    c = p.complement();
    complements.set(p, c);
  }
  return c;
}

function buildStatisticNote(rule: Rule): string {
  for (const m of rule.matches) {
    if (m.probability === undefined) continue;
    const p = m.probability;
    const kernel = p.den === TWO_31 ? ` = ${probabilityText(Number(p.num))}` : '';
    return ` [statistic random: probability ${p.toString()}${kernel}, written --probability ${m.probabilityText ?? '?'}]`;
  }
  return '';
}

/**
 * Runs one table's built-in chain for `hook` as ipt_do_table does: rules in order, first
 * matching terminal target wins, jump/goto/RETURN through user chains, the policy at the end of
 * the built-in chain. A `statistic --mode random` match forks the path: one branch continues as
 * if it matched (probability p), the other as if not (1 - p), with exact kernel fractions.
 */
export function walkTable(table: Table, hook: Hook, input: WalkInput): WalkResult[] {
  const start = table.chains.get(hook);
  if (start === undefined) return [{ probability: Fraction.ONE, verdict: { kind: 'accept' }, skb: input.skb, state: input.state, hops: [] }];
  const linear = input.linear === true;
  const results: WalkResult[] = [];
  const first: Path = {
    chain: compileChain(start, linear),
    pos: 0,
    stack: [],
    ctx: { hook, table: table.name, host: input.host, ipsets: input.ipsets, nowMs: input.nowMs, skb: input.skb, state: input.state, natType: undefined, note: undefined },
    prob: Fraction.ONE,
    hops: [],
  };
  const work: Path[] = [first];
  const finish = (p: Path, verdict: HookVerdict): void => {
    results.push({ probability: p.prob, verdict, skb: p.ctx.skb, state: p.ctx.state, hops: p.hops });
  };
  const policy = (p: Path): void => {
    const pol = start.policy ?? 'ACCEPT';
    p.hops.push({ step: 'netfilter', table: table.name, chain: hook, detail: `policy ${pol}` });
    finish(p, pol === 'ACCEPT' ? { kind: 'accept' } : { kind: 'drop', reason: `${table.name} ${hook} policy DROP` });
  };
  for (let path = work.pop(); path !== undefined; path = work.pop()) {
    const p = path;
    const ctx = p.ctx;
    for (;;) {
      const i = p.chain.next(p.pos, ctx.skb.packet);
      if (i < 0) {
        const back = p.stack.pop();
        if (back === undefined) {
          policy(p);
          break;
        }
        p.chain = back.chain;
        p.pos = back.pos;
        continue;
      }
      const rule = p.chain.rules[i];
      p.pos = i + 1;
      if (rule === undefined) continue;
      let matched = true;
      const ms = rule.matches;
      let forked = false;
      for (let k = 0; k < ms.length; k++) {
        const m = ms[k];
        if (m === undefined) continue;
        const prob = m.probability;
        if (prob !== undefined) {
          if (prob.isZero()) {
            matched = false;
            break;
          }
          if (!prob.isOne()) {
            // The "did not match" branch resumes after this rule with a copy of everything.
            work.push({ chain: p.chain, pos: p.pos, stack: [...p.stack], ctx: { ...ctx }, prob: p.prob.mul(complementOf(prob)), hops: [...p.hops] });
            p.prob = p.prob.mul(prob);
            forked = true;
          }
          continue;
        }
        if (!m.evaluate(ctx)) {
          matched = false;
          break;
        }
      }
      if (!matched || rule.target === undefined) continue;
      const target = rule.target;
      const before = ctx.skb.packet;
      ctx.natType = undefined;
      ctx.note = undefined;
      const r = target.apply(ctx);
      const chainName = p.chain.chain.name;
      const ruleNumber = i + 1;
      const extra = forked ? statisticNote(rule) : '';
      const hop = (detail: string, nat?: HookHop['nat']): HookHop =>
        nat === undefined
          ? { step: 'netfilter', table: table.name, chain: chainName, ruleNumber, rule: rule.text, detail: detail + extra }
          : { step: 'netfilter', table: table.name, chain: chainName, ruleNumber, rule: rule.text, detail: detail + extra, nat };
      if (r === TR.Continue) {
        p.hops.push(hop(`-j ${target.name}${ctx.note === undefined ? '' : `: ${ctx.note}`}`));
        continue;
      }
      if (r === TR.Jump || r === TR.Goto) {
        const next = target.chain === undefined ? undefined : table.chains.get(target.chain);
        p.hops.push(hop(`${r === TR.Goto ? '-g' : '-j'} ${target.name}`));
        if (next === undefined || p.stack.length >= MAX_DEPTH) {
          finish(p, { kind: 'drop', reason: next === undefined ? `chain ${target.name} does not exist` : `chain loop through ${target.name}` });
          break;
        }
        if (r === TR.Jump) p.stack.push({ chain: p.chain, pos: p.pos });
        p.chain = compileChain(next, linear);
        p.pos = 0;
        continue;
      }
      if (r === TR.Return) {
        p.hops.push(hop('-j RETURN'));
        const back = p.stack.pop();
        if (back === undefined) {
          policy(p);
          break;
        }
        p.chain = back.chain;
        p.pos = back.pos;
        continue;
      }
      if (r === TR.Accept) {
        const nat = ctx.natType;
        if (nat === undefined) p.hops.push(hop(`-j ${target.name}`));
        else {
          const b = flowKey(before);
          const a = flowKey(ctx.skb.packet);
          p.hops.push(hop(`${target.name}: ${b} => ${a}`, { type: nat, before: b, after: a }));
        }
        finish(p, { kind: 'accept' });
        break;
      }
      if (r === TR.Drop) {
        p.hops.push(hop(`-j ${target.name}${ctx.note === undefined ? '' : `: ${ctx.note}`}`));
        finish(p, { kind: 'drop', reason: `${table.name} ${chainName} rule ${ruleNumber}: ${ctx.note ?? rule.text}` });
        break;
      }
      // Reject
      const w = target.rejectWith ?? 'icmp-port-unreachable';
      p.hops.push(hop(`-j REJECT --reject-with ${w}`));
      finish(p, { kind: 'reject', reason: `${table.name} ${chainName} rule ${ruleNumber}: ${rule.text}`, with: w });
      break;
    }
  }
  return results;
}
