import { hasPorts, withDst } from '../../../packet/index.js';
import { single } from '../match/module.js';
import type { Target } from '../types.js';
import { TR } from '../types.js';
import type { TargetModule } from './module.js';
import { natRangeText, parseNatRange, pickPort } from './nat-range.js';

/**
 * `-j DNAT --to-destination ip[-ip][:port[-port]] [--random] [--persistent]`: rewrites the
 * destination of a connection's first packet; conntrack applies it to the rest. With an address
 * range the model takes its first address (the kernel hashes the tuple over the range).
 */
export const dnatTarget: TargetModule = {
  name: 'DNAT',
  options: { 'to-destination': 1, random: 0, persistent: 0 },
  tables: ['nat'],
  hooks: ['PREROUTING', 'OUTPUT'],
  build(opts, b): Target {
    const o = single(opts, b);
    const to = o.get('to-destination')?.values[0];
    if (to === undefined) return b.fail('DNAT: you must specify --to-destination');
    const withPorts = b.proto === 6 || b.proto === 17 || b.proto === 132;
    const range = parseNatRange(to, b, withPorts);
    const save = ['--to-destination', natRangeText(range)];
    if (o.has('random')) save.push('--random');
    if (o.has('persistent')) save.push('--persistent');
    return {
      name: 'DNAT',
      goto: false,
      saveArgs: save,
      apply: (ctx) => {
        const p = ctx.skb.packet;
        const dport = hasPorts(p) ? pickPort(p.dport, range.ports) : p.dport;
        ctx.skb = { ...ctx.skb, packet: withDst(p, range.minIp, dport) };
        ctx.natType = 'dnat';
        return TR.Accept;
      },
    };
  },
};
