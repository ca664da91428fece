import type { CtView } from '../../hooks.js';
import type { EvalCtx, Match } from '../types.js';
import { type BuildCtx, type MatchModule, type ParsedOpt, inv, single } from './module.js';

/** In the order libxt_conntrack prints them. */
const STATES = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'] as const;
const STATUSES = ['NONE', 'EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED'] as const;

// States and statuses as bit masks: a rule's wanted set is fixed at build time and a packet's set is a few ORs, so
// the match (evaluated 4-6 times per hook by kube-proxy's FORWARD and OUTPUT chains) allocates nothing.
const bit = (list: readonly string[], name: string): number => 1 << list.indexOf(name);
const STATE_BITS: Readonly<Record<CtView['state'], number>> = {
  INVALID: bit(STATES, 'INVALID'), NEW: bit(STATES, 'NEW'), RELATED: bit(STATES, 'RELATED'),
  ESTABLISHED: bit(STATES, 'ESTABLISHED'), UNTRACKED: bit(STATES, 'UNTRACKED'),
};
const SNAT = bit(STATES, 'SNAT');
const DNAT = bit(STATES, 'DNAT');

/** The state's bit, by a switch: `STATE_BITS[ct.state]` with several state names is a megamorphic keyed load. */
function stateBit(state: CtView['state']): number {
  switch (state) {
    case 'NEW':
      return STATE_BITS.NEW;
    case 'ESTABLISHED':
      return STATE_BITS.ESTABLISHED;
    case 'RELATED':
      return STATE_BITS.RELATED;
    case 'INVALID':
      return STATE_BITS.INVALID;
    case 'UNTRACKED':
      return STATE_BITS.UNTRACKED;
  }
}

function stateBits(ct: CtView): number {
  return stateBit(ct.state) | (ct.dnat ? DNAT : 0) | (ct.snat ? SNAT : 0);
}

/** Status bits as far as the model knows them: a connection that saw a reply is SEEN_REPLY and ASSURED; any tracked non-NEW packet belongs to a CONFIRMED entry. */
const SEEN_REPLY_ASSURED = bit(STATUSES, 'SEEN_REPLY') | bit(STATUSES, 'ASSURED');
const CONFIRMED = bit(STATUSES, 'CONFIRMED');
const NONE = bit(STATUSES, 'NONE');
function statusBits(ct: CtView): number {
  let s = 0;
  if (ct.state === 'ESTABLISHED' || ct.reply) s |= SEEN_REPLY_ASSURED;
  if (ct.state !== 'NEW' && ct.state !== 'INVALID' && ct.state !== 'UNTRACKED') s |= CONFIRMED;
  return s === 0 ? NONE : s;
}

function listTest(opt: ParsedOpt, allowed: readonly string[], what: string, b: BuildCtx, of: (ct: CtView) => number): { test: (ctx: EvalCtx) => boolean; text: string } {
  let want = 0;
  for (const w of (opt.values[0] ?? '').split(',')) {
    if (!allowed.includes(w)) b.fail(`bad ${what} "${w}"`);
    want |= 1 << allowed.indexOf(w);
  }
  const invert = opt.invert;
  return {
    test: (ctx) => ((of(ctx.skb.ct) & want) !== 0) !== invert,
    text: allowed.filter((_, i) => (want & (1 << i)) !== 0).join(','),
  };
}

/** `-m conntrack [!] --ctstate S[,S] [!] --ctstatus S` (xt_conntrack v3; SNAT/DNAT are the ct's NAT flags). */
export const conntrackMatch: MatchModule = {
  name: 'conntrack',
  options: { ctstate: 1, ctstatus: 1 },
  build(opts, b): Match {
    const o = single(opts, b);
    const tests: ((ctx: EvalCtx) => boolean)[] = [];
    const save: string[] = [];
    const st = o.get('ctstate');
    if (st !== undefined) {
      const { test, text } = listTest(st, STATES, 'ctstate', b, stateBits);
      tests.push(test);
      save.push(...inv(st), '--ctstate', text);
    }
    const ss = o.get('ctstatus');
    if (ss !== undefined) {
      const { test, text } = listTest(ss, STATUSES, 'ctstatus', b, statusBits);
      tests.push(test);
      save.push(...inv(ss), '--ctstatus', text);
    }
    if (tests.length === 0) b.fail('conntrack: you must specify an option (--ctstate or --ctstatus)');
    return { module: 'conntrack', implicit: false, saveArgs: save, evaluate: tests.length === 1 ? (tests[0] as (ctx: EvalCtx) => boolean) : (ctx) => tests.every((t) => t(ctx)) };
  },
};

/** `-m state [!] --state S[,S]`: the older spelling of --ctstate (no SNAT/DNAT). */
export const stateMatch: MatchModule = {
  name: 'state',
  options: { state: 1 },
  build(opts, b): Match {
    const st = single(opts, b).get('state');
    if (st === undefined) return b.fail('state: you must specify "--state"');
    const { test, text } = listTest(st, STATES.slice(0, 5), 'state', b, (ct) => stateBit(ct.state));
    return { module: 'state', implicit: false, saveArgs: [...inv(st), '--state', text], evaluate: test };
  },
};
