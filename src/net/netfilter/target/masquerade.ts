import { hasPorts, withSrc } from '../../../packet/index.js';
import type { Target } from '../types.js';
import { TR } from '../types.js';
import type { TargetModule } from './module.js';
import { skbWith } from '../skb.js';
import { pickPort, portRedirectOptions } from './nat-range.js';

/**
 * `-j MASQUERADE [--to-ports p[-q]] [--random] [--random-fully]`: SNAT to the primary address
 * of the output device (nf_nat_masquerade: inet_select_addr), falling back to routing's source
 * choice; no address means the kernel drops the packet. The source port is kept (the kernel
 * keeps it when the tuple is free; with --random-fully it would randomise it, which the model
 * does not, so traces stay deterministic).
 */
export const masqueradeTarget: TargetModule = {
  name: 'MASQUERADE',
  options: { 'to-ports': 1, random: 0, 'random-fully': 0 },
  tables: ['nat'],
  hooks: ['POSTROUTING'],
  build(opts, b): Target {
    const { ports, saveArgs } = portRedirectOptions(opts, b, ['random', 'random-fully']);
    return {
      name: 'MASQUERADE',
      goto: false,
      saveArgs,
      apply: (ctx) => {
        const p = ctx.skb.packet;
        const out = ctx.skb.outDev;
        const addr = (out === undefined ? undefined : ctx.host.primaryAddress(out)) ?? ctx.host.sourceAddressFor(p.dst);
        if (addr === undefined) {
          ctx.note = `MASQUERADE: no address on ${out ?? 'the output device'}`;
          return TR.Drop;
        }
        const sport = hasPorts(p) ? pickPort(p.sport, ports) : p.sport;
        ctx.skb = skbWith(ctx.skb, withSrc(p, addr, sport), ctx.skb.mark, ctx.skb.ct, ctx.skb.pathState);
        ctx.natType = 'masquerade';
        return TR.Accept;
      },
    };
  },
};
