import { hex, parseU32, single } from '../match/module.js';
import type { Target } from '../types.js';
import { TR } from '../types.js';
import type { TargetModule } from './module.js';
import { applyXmark, parseXmark } from './mark.js';

/**
 * `-j CONNMARK` (xt_CONNMARK v1), non-terminating:
 * `--set-xmark v/m` (and the set/and/or/xor spellings): ctmark = (ctmark & ~m) ^ v;
 * `--save-mark [--nfmask n] [--ctmask c]`: ctmark = (ctmark & ~c) ^ (mark & n);
 * `--restore-mark [--nfmask n] [--ctmask c]`: mark = (mark & ~n) ^ (ctmark & c);
 * `--mask m` sets both masks. The ct mark also goes to the conntrack entry (see Netfilter).
 */
export const connmarkTarget: TargetModule = {
  name: 'CONNMARK',
  options: { 'set-xmark': 1, 'set-mark': 1, 'and-mark': 1, 'or-mark': 1, 'xor-mark': 1, 'save-mark': 0, 'restore-mark': 0, nfmask: 1, ctmask: 1, mask: 1 },
  build(opts, b): Target {
    const o = single(opts, b);
    const xm = parseXmark(o, b, 'CONNMARK');
    const save = o.has('save-mark');
    const restore = o.has('restore-mark');
    if ([xm !== undefined, save, restore].filter(Boolean).length !== 1) {
      return b.fail('CONNMARK target: exactly one of --set-xmark, --save-mark or --restore-mark is required');
    }
    if (xm !== undefined) {
      const { value, mask } = xm;
      return {
        name: 'CONNMARK',
        goto: false,
        saveArgs: ['--set-xmark', `${hex(value)}/${hex(mask)}`],
        apply: (ctx) => {
          ctx.skb = { ...ctx.skb, ct: { ...ctx.skb.ct, mark: applyXmark(ctx.skb.ct.mark, value, mask) } };
          return TR.Continue;
        },
      };
    }
    const both = o.get('mask')?.values[0];
    const m = both === undefined ? 0xffffffff : parseU32(both, b, 'mask');
    const nfmask = o.has('nfmask') ? parseU32(o.get('nfmask')?.values[0] ?? '', b, 'mask') : m;
    const ctmask = o.has('ctmask') ? parseU32(o.get('ctmask')?.values[0] ?? '', b, 'mask') : m;
    const masks = ['--nfmask', hex(nfmask), '--ctmask', hex(ctmask)];
    if (save) {
      return {
        name: 'CONNMARK',
        goto: false,
        saveArgs: ['--save-mark', ...masks],
        apply: (ctx) => {
          const ctMark = ((ctx.skb.ct.mark & ~ctmask) ^ (ctx.skb.mark & nfmask)) >>> 0;
          ctx.skb = { ...ctx.skb, ct: { ...ctx.skb.ct, mark: ctMark } };
          return TR.Continue;
        },
      };
    }
    return {
      name: 'CONNMARK',
      goto: false,
      saveArgs: ['--restore-mark', ...masks],
      apply: (ctx) => {
        const mark = ((ctx.skb.mark & ~nfmask) ^ (ctx.skb.ct.mark & ctmask)) >>> 0;
        ctx.skb = { ...ctx.skb, mark };
        return TR.Continue;
      },
    };
  },
};
