/**
 * `npm run bench [-- --quick] [-- --json]`: prints one figure a line as `name: value unit`.
 * Figures, never assertions: speed and memory targets are read from here, not from unit tests.
 */
import { benchFoundation } from './bench/foundation.js';
import { benchCni } from './bench/cni.js';
import { benchIptables } from './bench/iptables.js';
import { benchNetfilter } from './bench/netfilter.js';
import { benchControlPlane } from './bench/control-plane.js';
import { benchRealize } from './bench/realize.js';
import { benchModes } from './bench/modes.js';
import type { BenchFigure } from './bench/figure.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const json = args.has('--json');

const figures: BenchFigure[] = [];
const report = (f: BenchFigure): void => {
  figures.push(f);
  if (!json) process.stdout.write(`${f.name}: ${f.value} ${f.unit}\n`);
};

await benchFoundation({ quick, report });
await benchCni({ quick, report });
benchIptables({ quick, report });
await benchNetfilter({ quick, report });
benchModes({ quick, report });
await benchControlPlane({ quick, report });
await benchRealize({ quick, report });

if (json) process.stdout.write(JSON.stringify({ quick, figures }, null, 2) + '\n');
