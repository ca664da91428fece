import type { EvalCtx, Match } from '../types.js';
import { type MatchModule, ifaceMatcher, inv, single } from './module.js';

/**
 * `-m physdev` (xt_physdev): the bridge ports of a bridged packet (br_netfilter). For a packet
 * that is not being bridged, the match holds only when every option given is inverted, as
 * the kernel's physdev_mt decides.
 */
export const physdevMatch: MatchModule = {
  name: 'physdev',
  options: { 'physdev-in': 1, 'physdev-out': 1, 'physdev-is-in': 0, 'physdev-is-out': 0, 'physdev-is-bridged': 0 },
  build(opts, b): Match {
    const o = single(opts, b);
    if (o.size === 0) b.fail('physdev: at least one option is required');
    const save: string[] = [];
    const tests: ((ctx: EvalCtx) => boolean)[] = [];
    const isIn = o.get('physdev-is-in');
    const pin = o.get('physdev-in');
    const isOut = o.get('physdev-is-out');
    const pout = o.get('physdev-out');
    const bridged = o.get('physdev-is-bridged');
    if (isIn !== undefined) {
      save.push(...inv(isIn), '--physdev-is-in');
      tests.push((ctx) => (ctx.skb.physIn !== undefined) !== isIn.invert);
    }
    if (pin !== undefined) {
      const m = ifaceMatcher(pin.values[0] ?? '');
      save.push(...inv(pin), '--physdev-in', pin.values[0] ?? '');
      tests.push((ctx) => ctx.skb.physIn === undefined || m(ctx.skb.physIn) !== pin.invert);
    }
    if (isOut !== undefined) {
      save.push(...inv(isOut), '--physdev-is-out');
      tests.push((ctx) => (ctx.skb.physOut !== undefined) !== isOut.invert);
    }
    if (pout !== undefined) {
      const m = ifaceMatcher(pout.values[0] ?? '');
      save.push(...inv(pout), '--physdev-out', pout.values[0] ?? '');
      tests.push((ctx) => ctx.skb.physOut === undefined || m(ctx.skb.physOut) !== pout.invert);
    }
    if (bridged !== undefined) {
      save.push(...inv(bridged), '--physdev-is-bridged');
      tests.push((ctx) => (ctx.skb.physOut !== undefined) !== bridged.invert);
    }
    const allInverted = [...o.values()].every((x) => x.invert);
    return {
      module: 'physdev',
      implicit: false,
      saveArgs: save,
      evaluate: (ctx) => (ctx.skb.bridged ? tests.every((t) => t(ctx)) : allInverted),
    };
  },
};
