import type { EvalCtx, Match } from '../types.js';
import { type MatchModule, hex, parseMarkMask, single } from './module.js';

/** `[!] --mark value[/mask]` on the packet mark or (connmark) the connection mark, as one compact object. */
export class MarkMatch implements Match {
  readonly implicit = false;

  constructor(
    readonly module: 'mark' | 'connmark',
    readonly value: number,
    readonly mask: number,
    readonly invert: boolean,
  ) {}

  evaluate(ctx: EvalCtx): boolean {
    const m = this.module === 'mark' ? ctx.skb.mark : ctx.skb.ct.mark;
    return (((m & this.mask) >>> 0) === this.value) !== this.invert;
  }

  /** iptables-save omits an all-ones mask. */
  get saveArgs(): string[] {
    return [...(this.invert ? ['!'] : []), '--mark', this.mask === 0xffffffff ? hex(this.value) : `${hex(this.value)}/${hex(this.mask)}`];
  }
}

/** `[!] --mark value[/mask]`: (mark & mask) == value (xt_mark). */
function markModule(name: 'mark' | 'connmark'): MatchModule {
  return {
    name,
    options: { mark: 1 },
    build(opts, b): Match {
      const o = single(opts, b).get('mark');
      if (o === undefined) return b.fail(`${name}: --mark is required`);
      const { value, mask } = parseMarkMask(o.values[0] ?? '', b, 'mark');
      return new MarkMatch(name, value, mask, o.invert);
    },
  };
}

export const markMatch = markModule('mark');
/** `-m connmark --mark`: the same test on the connection's mark. */
export const connmarkMatch = markModule('connmark');
