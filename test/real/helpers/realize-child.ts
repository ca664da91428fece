// Realizes a topology and stops after the third pod, printing "halfway", so a test can SIGKILL it mid-realize.
import { buildCluster } from '../../../src/cluster/index.js';
import { realize } from '../../../src/realize/index.js';
import { loadTopology } from '../../../src/topology/index.js';

const [file, prefix] = process.argv.slice(2);
if (file === undefined || prefix === undefined) throw new Error('usage: realize-child.ts <topology> <prefix>');
await realize(buildCluster(await loadTopology(file)), {
  prefix,
  cniPath: ['/usr/lib/cni'],
  afterPod: async (i) => {
    if (i !== 2) return;
    process.stdout.write('halfway\n');
    await new Promise(() => undefined);
  },
});
