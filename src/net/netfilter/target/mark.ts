import { type BuildCtx, type OptSet, hex, parseMarkMask, parseU32, single } from '../match/module.js';
import type { Target } from '../types.js';
import { TR } from '../types.js';
import type { TargetModule } from './module.js';
import { skbWith } from '../skb.js';

/**
 * Every way to spell a mark change, reduced to xt_MARK v2's (value, mask) meaning
 * mark = (mark & ~mask) ^ value, which is also how iptables-save prints it
 * (`--or-mark 0x4000` → `--set-xmark 0x4000/0x4000`, `--xor-mark 0x4000` → `--set-xmark 0x4000/0x0`).
 */
export function parseXmark(o: OptSet, b: BuildCtx, who: string): { value: number; mask: number } | undefined {
  const kinds = ['set-xmark', 'set-mark', 'and-mark', 'or-mark', 'xor-mark'].filter((k) => o.has(k));
  if (kinds.length > 1) b.fail(`${who}: ${kinds.map((k) => `--${k}`).join(' and ')} cannot be combined`);
  const [kind] = kinds;
  if (kind === undefined) return undefined;
  const text = o.get(kind)?.values[0] ?? '';
  switch (kind) {
    case 'set-xmark':
      return parseMarkMask(text, b, 'mark');
    case 'set-mark': {
      // --set-mark v/m: clear the masked bits, then set v (xor == or once they are clear).
      const { value, mask } = parseMarkMask(text, b, 'mark');
      return { value, mask: (mask | value) >>> 0 };
    }
    case 'and-mark':
      return { value: 0, mask: ~parseU32(text, b, 'mark') >>> 0 };
    case 'or-mark': {
      const v = parseU32(text, b, 'mark');
      return { value: v, mask: v };
    }
    default:
      return { value: parseU32(text, b, 'mark'), mask: 0 };
  }
}

export function applyXmark(mark: number, value: number, mask: number): number {
  return ((mark & ~mask) ^ value) >>> 0;
}

const MARK_OPTIONS = { 'set-xmark': 1, 'set-mark': 1, 'and-mark': 1, 'or-mark': 1, 'xor-mark': 1 };

/** `-j MARK`: sets the packet mark and continues (non-terminating). */
export const markTarget: TargetModule = {
  name: 'MARK',
  options: MARK_OPTIONS,
  build(opts, b): Target {
    const xm = parseXmark(single(opts, b), b, 'MARK');
    if (xm === undefined) return b.fail('MARK target: parameter --set-xmark/--set-mark/--and-mark/--or-mark/--xor-mark is required');
    const { value, mask } = xm;
    return {
      name: 'MARK',
      goto: false,
      saveArgs: ['--set-xmark', `${hex(value)}/${hex(mask)}`],
      apply: (ctx) => {
        const mark = applyXmark(ctx.skb.mark, value, mask);
        if (mark !== ctx.skb.mark) ctx.skb = skbWith(ctx.skb, ctx.skb.packet, mark, ctx.skb.ct, ctx.skb.pathState);
        ctx.note = `mark ${hex(mark)}`;
        return TR.Continue;
      },
    };
  },
};
