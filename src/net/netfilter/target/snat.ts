import { hasPorts, withSrc } from '../../../packet/index.js';
import { single } from '../match/module.js';
import type { Target } from '../types.js';
import { TR } from '../types.js';
import type { TargetModule } from './module.js';
import { skbWith } from '../skb.js';
import { natRangeText, parseNatRange, pickPort } from './nat-range.js';

/** `-j SNAT --to-source ip[-ip][:port[-port]] [--random] [--random-fully] [--persistent]`. */
export const snatTarget: TargetModule = {
  name: 'SNAT',
  options: { 'to-source': 1, random: 0, 'random-fully': 0, persistent: 0 },
  tables: ['nat'],
  hooks: ['POSTROUTING', 'INPUT'],
  build(opts, b): Target {
    const o = single(opts, b);
    const to = o.get('to-source')?.values[0];
    if (to === undefined) return b.fail('SNAT: you must specify --to-source');
    const range = parseNatRange(to, b, b.proto === 6 || b.proto === 17 || b.proto === 132);
    const save = ['--to-source', natRangeText(range)];
    if (o.has('random')) save.push('--random');
    if (o.has('random-fully')) save.push('--random-fully');
    if (o.has('persistent')) save.push('--persistent');
    return {
      name: 'SNAT',
      goto: false,
      saveArgs: save,
      apply: (ctx) => {
        const p = ctx.skb.packet;
        const sport = hasPorts(p) ? pickPort(p.sport, range.ports) : p.sport;
        ctx.skb = skbWith(ctx.skb, withSrc(p, range.minIp, sport), ctx.skb.mark, ctx.skb.ct, ctx.skb.pathState);
        ctx.natType = 'snat';
        return TR.Accept;
      },
    };
  },
};
