import type { Ip4 } from '../../../addr/index.js';
import type { AddrType } from '../../hooks.js';
import type { EvalCtx, Match } from '../types.js';
import { type MatchModule, type ParsedOpt, inv, noInvert, single } from './module.js';

/** In the order libxt_addrtype prints them (the kernel's RTN_* order). */
const TYPES: readonly AddrType[] = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT'];

/**
 * `-m addrtype [!] --src-type T[,T] [!] --dst-type T [--limit-iface-in|--limit-iface-out]`: the
 * address's type in the local routing table (xt_addrtype v1); with a limit the lookup only
 * considers the packet's input (or output) device.
 */
export const addrtypeMatch: MatchModule = {
  name: 'addrtype',
  options: { 'src-type': 1, 'dst-type': 1, 'limit-iface-in': 0, 'limit-iface-out': 0 },
  build(opts, b): Match {
    const o = single(opts, b);
    const limIn = o.get('limit-iface-in');
    const limOut = o.get('limit-iface-out');
    noInvert(limIn, b);
    noInvert(limOut, b);
    if (limIn !== undefined && limOut !== undefined) b.fail('addrtype: you can\'t specify both --limit-iface-in and --limit-iface-out');
    if (!o.has('src-type') && !o.has('dst-type')) b.fail('addrtype: you must specify --src-type or --dst-type');
    const dev = (ctx: EvalCtx): string | undefined => (limIn !== undefined ? ctx.skb.inDev : limOut !== undefined ? ctx.skb.outDev : undefined);
    const tests: ((ctx: EvalCtx) => boolean)[] = [];
    const save: string[] = [];
    const side = (opt: ParsedOpt | undefined, flag: string, pick: (ctx: EvalCtx) => Ip4): void => {
      if (opt === undefined) return;
      const want = new Set<AddrType>();
      for (const t of (opt.values[0] ?? '').split(',')) {
        const u = t.toUpperCase() as AddrType;
        if (!TYPES.includes(u)) b.fail(`addrtype: unknown address type "${t}"`);
        want.add(u);
      }
      const invert = opt.invert;
      tests.push((ctx) => want.has(ctx.host.addrType(pick(ctx), dev(ctx))) !== invert);
      save.push(...inv(opt), flag, TYPES.filter((t) => want.has(t)).join(','));
    };
    side(o.get('src-type'), '--src-type', (ctx) => ctx.skb.packet.src);
    side(o.get('dst-type'), '--dst-type', (ctx) => ctx.skb.packet.dst);
    if (limIn !== undefined) save.push('--limit-iface-in');
    if (limOut !== undefined) save.push('--limit-iface-out');
    // One side (kube-proxy's `--dst-type LOCAL`) is its test itself: no closure and array walk per packet around it.
    const only = tests.length === 1 ? tests[0] : undefined;
    return { module: 'addrtype', implicit: false, saveArgs: save, evaluate: only ?? ((ctx) => tests.every((t) => t(ctx))) };
  },
};
