import test from 'ava';
import { fileURLToPath } from 'node:url';
import { validatePlugin } from '../../src/cni/index.js';
import { prerequisiteMissing } from './helpers/prerequisite.js';

// Every plugin in cni-plugins/, run as the executables in cni-plugins/bin from cwd /, passes the validator with no
// error finding. `npm run test:real` builds the bundles the executables run first; without a fresh build each start
// falls back to ts-node and costs seconds, so only some versions are exercised here; the validator's full runs over
// all seven versions are in cni-plugins/README.md.
const root = process.getuid?.() === 0;
const real = root ? test : test.skip;
if (!root) prerequisiteMissing('our CNI plugins under the validator', 'root', 'not root: the validator needs real network namespaces');

const BIN = fileURLToPath(new URL('../../cni-plugins/bin/', import.meta.url));
const PLUGINS: [string, string[]][] = [
  ['loopback', ['0.2.0', '1.0.0', '1.1.0']],
  ['host-local', ['0.2.0', '1.1.0']],
  ['portmap', ['1.0.0']],
  ['bridge', ['1.0.0']],
  ['ptp', ['1.0.0']],
  ['vxlan', ['1.1.0']],
];

for (const [name, versions] of PLUGINS) {
  real(`our ${name} (cni-plugins/bin/${name}, cwd /) passes with no finding at ${versions.join(', ')}`, async (t) => {
    t.timeout(25 * 60_000);
    const cwd = process.cwd();
    process.chdir('/');
    try {
      const r = await validatePlugin(`${BIN}${name}`, { versions });
      t.log(`${r.checksRun} checks`);
      t.deepEqual(r.findings.map((f) => `${f.severity} ${f.check}: ${f.message}`), []);
    } finally {
      process.chdir(cwd);
    }
  });
}
