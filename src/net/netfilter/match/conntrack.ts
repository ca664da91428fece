import type { CtView } from '../../hooks.js';
import type { EvalCtx, Match } from '../types.js';
import { type BuildCtx, type MatchModule, type ParsedOpt, inv, single } from './module.js';

/** In the order libxt_conntrack prints them. */
const STATES = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'] as const;
const STATUSES = ['NONE', 'EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED'] as const;

function stateSet(ct: CtView): Set<string> {
  const s = new Set<string>([ct.state]);
  if (ct.dnat) s.add('DNAT');
  if (ct.snat) s.add('SNAT');
  return s;
}

/** Status bits as far as the model knows them: a connection that saw a reply is SEEN_REPLY and ASSURED; any tracked non-NEW packet belongs to a CONFIRMED entry. */
function statusSet(ct: CtView): Set<string> {
  const s = new Set<string>();
  if (ct.state === 'ESTABLISHED' || ct.reply) s.add('SEEN_REPLY').add('ASSURED');
  if (ct.state !== 'NEW' && ct.state !== 'INVALID' && ct.state !== 'UNTRACKED') s.add('CONFIRMED');
  if (s.size === 0) s.add('NONE');
  return s;
}

function listTest(opt: ParsedOpt, allowed: readonly string[], what: string, b: BuildCtx, of: (ct: CtView) => Set<string>): { test: (ctx: EvalCtx) => boolean; text: string } {
  const want = new Set<string>();
  for (const w of (opt.values[0] ?? '').split(',')) {
    if (!allowed.includes(w)) b.fail(`bad ${what} "${w}"`);
    want.add(w);
  }
  const invert = opt.invert;
  return {
    test: (ctx) => {
      const have = of(ctx.skb.ct);
      let any = false;
      for (const w of want) if (have.has(w)) any = true;
      return any !== invert;
    },
    text: allowed.filter((a) => want.has(a)).join(','),
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
      const { test, text } = listTest(st, STATES, 'ctstate', b, stateSet);
      tests.push(test);
      save.push(...inv(st), '--ctstate', text);
    }
    const ss = o.get('ctstatus');
    if (ss !== undefined) {
      const { test, text } = listTest(ss, STATUSES, 'ctstatus', b, statusSet);
      tests.push(test);
      save.push(...inv(ss), '--ctstatus', text);
    }
    if (tests.length === 0) b.fail('conntrack: you must specify an option (--ctstate or --ctstatus)');
    return { module: 'conntrack', implicit: false, saveArgs: save, evaluate: (ctx) => tests.every((t) => t(ctx)) };
  },
};

/** `-m state [!] --state S[,S]`: the older spelling of --ctstate (no SNAT/DNAT). */
export const stateMatch: MatchModule = {
  name: 'state',
  options: { state: 1 },
  build(opts, b): Match {
    const st = single(opts, b).get('state');
    if (st === undefined) return b.fail('state: you must specify "--state"');
    const { test, text } = listTest(st, STATES.slice(0, 5), 'state', b, (ct) => new Set([ct.state]));
    return { module: 'state', implicit: false, saveArgs: [...inv(st), '--state', text], evaluate: test };
  },
};
