import { PROTO_NUMBER } from '../../../addr/index.js';
import type { Match } from '../types.js';
import { type MatchModule, parsePortRange, portRangeText, single } from './module.js';

/** `-m multiport [!] --dports|--sports|--ports p[,a:b]...` (xt_multiport v1, at most 15 ports). */
export const multiportMatch: MatchModule = {
  name: 'multiport',
  options: { dports: 1, sports: 1, ports: 1 },
  aliases: { 'destination-ports': 'dports', 'source-ports': 'sports' },
  build(opts, b): Match {
    const o = single(opts, b);
    if (o.size !== 1) b.fail('multiport: exactly one of --sports, --dports or --ports is required');
    const [opt] = o.values();
    if (opt === undefined) return b.fail('multiport: an option is required');
    if (b.proto !== PROTO_NUMBER.tcp && b.proto !== PROTO_NUMBER.udp && b.proto !== PROTO_NUMBER.sctp) {
      b.fail("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
    }
    const ranges = (opt.values[0] ?? '').split(',').map((p) => parsePortRange(p, b));
    const slots = ranges.reduce((n, [lo, hi]) => n + (lo === hi ? 1 : 2), 0);
    if (slots > 15) b.fail('multiport: too many ports specified');
    const invert = opt.invert;
    const inRanges = (p: number): boolean => ranges.some(([lo, hi]) => p >= lo && p <= hi);
    const which = opt.name;
    return {
      module: 'multiport',
      implicit: false,
      saveArgs: [...(invert ? ['!'] : []), `--${which}`, ranges.map(portRangeText).join(',')],
      evaluate: (ctx) => {
        const p = ctx.skb.packet;
        const hit = which === 'dports' ? inRanges(p.dport) : which === 'sports' ? inRanges(p.sport) : inRanges(p.sport) || inRanges(p.dport);
        return hit !== invert;
      },
    };
  },
};
