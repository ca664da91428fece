import type { Match } from '../types.js';
import type { IpsetRegistry } from '../ipset/index.js';
import { type MatchModule, single } from './module.js';

/**
 * `-m set [!] --match-set NAME src|dst[,src|dst]...` (xt_set): looks the packet up in an ipset,
 * each flag choosing which address/port fills the set's next dimension. The set is resolved
 * at packet time through the namespace's ipset registry; a missing set does not match.
 */
export const setMatch: MatchModule = {
  name: 'set',
  options: { 'match-set': 2 },
  build(opts, b): Match {
    const o = single(opts, b).get('match-set');
    if (o === undefined) return b.fail('set: you must specify --match-set');
    const name = o.values[0] ?? '';
    const flagsText = o.values[1] ?? '';
    const flags = flagsText.split(',');
    if (flags.length > 6 || flags.some((f) => f !== 'src' && f !== 'dst')) b.fail(`set: bad flags "${flagsText}" (expected src/dst, comma separated)`);
    if (name.length > 31) b.fail(`set: set name "${name}" is longer than 31 characters`);
    const dirs = flags.map((f) => f === 'src');
    const invert = o.invert;
    // The set by registry: a registry is immutable (ipset restore makes a new one), so the name is looked up once per
    // registry, not in its Map on every packet.
    let lastIn: unknown;
    let lastSet: ReturnType<IpsetRegistry['get']>;
    return {
      module: 'set',
      implicit: false,
      saveArgs: [...(invert ? ['!'] : []), '--match-set', name, flagsText],
      evaluate: (ctx) => {
        const reg = ctx.ipsets;
        if (reg !== lastIn) {
          lastSet = reg.get(name);
          lastIn = reg;
        }
        const set = lastSet;
        return (set !== undefined && set.test(ctx.skb.packet, dirs)) !== invert;
      },
    };
  },
};
