import { ip4 } from '../../../addr/index.js';
import { hasPorts, withDst } from '../../../packet/index.js';
import type { Target } from '../types.js';
import { TR } from '../types.js';
import type { TargetModule } from './module.js';
import { pickPort, portRedirectOptions } from './nat-range.js';
import { skbWith } from '../skb.js';

const LOCALHOST = ip4(0x7f000001);

/**
 * `-j REDIRECT [--to-ports p[-q]] [--random]`: DNAT to this host (nf_nat_redirect_ipv4): the
 * primary address of the input device in PREROUTING, 127.0.0.1 for locally generated packets;
 * an input device without an address drops the packet.
 */
export const redirectTarget: TargetModule = {
  name: 'REDIRECT',
  options: { 'to-ports': 1, random: 0 },
  tables: ['nat'],
  hooks: ['PREROUTING', 'OUTPUT'],
  build(opts, b): Target {
    const { ports, saveArgs } = portRedirectOptions(opts, b, ['random']);
    return {
      name: 'REDIRECT',
      goto: false,
      saveArgs,
      apply: (ctx) => {
        const p = ctx.skb.packet;
        const inDev = ctx.skb.inDev;
        const addr = ctx.hook === 'OUTPUT' || inDev === undefined ? LOCALHOST : ctx.host.primaryAddress(inDev);
        if (addr === undefined) {
          ctx.note = `REDIRECT: no address on ${inDev ?? '?'}`;
          return TR.Drop;
        }
        const dport = hasPorts(p) && ports !== undefined ? pickPort(-1, ports) : p.dport;
        ctx.skb = skbWith(ctx.skb, withDst(p, addr, dport), ctx.skb.mark, ctx.skb.ct, ctx.skb.pathState);
        ctx.natType = 'redirect';
        return TR.Accept;
      },
    };
  },
};
