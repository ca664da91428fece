import type { EvalCtx, Match } from '../types.js';
import { type MatchModule, hex, inv, parseMarkMask, single } from './module.js';

/** `[!] --mark value[/mask]`: (mark & mask) == value (xt_mark); iptables-save omits an all-ones mask. */
function markModule(name: 'mark' | 'connmark', pick: (ctx: EvalCtx) => number): MatchModule {
  return {
    name,
    options: { mark: 1 },
    build(opts, b): Match {
      const o = single(opts, b).get('mark');
      if (o === undefined) return b.fail(`${name}: --mark is required`);
      const { value, mask } = parseMarkMask(o.values[0] ?? '', b, 'mark');
      const invert = o.invert;
      return {
        module: name,
        implicit: false,
        saveArgs: [...inv(o), '--mark', mask === 0xffffffff ? hex(value) : `${hex(value)}/${hex(mask)}`],
        evaluate: (ctx) => (((pick(ctx) & mask) >>> 0) === value) !== invert,
      };
    },
  };
}

export const markMatch = markModule('mark', (ctx) => ctx.skb.mark);
/** `-m connmark --mark`: the same test on the connection's mark. */
export const connmarkMatch = markModule('connmark', (ctx) => ctx.skb.ct.mark);
