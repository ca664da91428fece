import type { Match } from '../types.js';
import { type MatchModule, noInvert, single } from './module.js';

/** `-m nfacct --nfacct-name NAME` (kube-proxy's localhost NodePort counters): counts, always matches. */
export const nfacctMatch: MatchModule = {
  name: 'nfacct',
  options: { 'nfacct-name': 1 },
  build(opts, b): Match {
    const o = single(opts, b).get('nfacct-name');
    noInvert(o, b);
    const name = o?.values[0];
    if (name === undefined) return b.fail('nfacct: --nfacct-name is required');
    return { module: 'nfacct', implicit: false, saveArgs: ['--nfacct-name', name], evaluate: () => true };
  },
};
