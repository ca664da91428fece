// Writes a generated topology (src/topology/generate.ts) as YAML for people who want to read one:
//   node --import ./scripts/ts-node-register.mjs scripts/gen-topology.ts --nodes 10 --pods-per-node 3 --out /tmp/topo
// produces <out>/<name>.yaml and <out>/<name>-manifests.yaml; `kubewire` loads the first like any topology.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage, isKubewireError } from '../src/lib/index.js';
import {
  type NetworkBackend,
  type ProxyMode,
  generateTopology,
  manifestsToYaml,
  topologyToDocument,
  topologyToYaml,
} from '../src/topology/index.js';

const USAGE =
  'usage: gen-topology --nodes N --pods-per-node M [--services S] [--network host-gw|vxlan] [--proxy-mode iptables|ipvs|userspace|nftables] [--name NAME] [--out DIR]';

async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        nodes: { type: 'string' },
        'pods-per-node': { type: 'string' },
        services: { type: 'string' },
        network: { type: 'string' },
        'proxy-mode': { type: 'string' },
        name: { type: 'string' },
        out: { type: 'string', default: '.' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`${errorMessage(e)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const network = values.network;
  const proxyMode = values['proxy-mode'];
  if (network !== undefined && network !== 'host-gw' && network !== 'vxlan') return usage(`--network: unknown backend "${network}"`);
  if (proxyMode !== undefined && !['iptables', 'ipvs', 'userspace', 'nftables'].includes(proxyMode)) {
    return usage(`--proxy-mode: unknown mode "${proxyMode}"`);
  }
  if (values.nodes === undefined || values['pods-per-node'] === undefined) return usage('--nodes and --pods-per-node are required');
  try {
    const spec = generateTopology({
      nodes: Number(values.nodes),
      podsPerNode: Number(values['pods-per-node']),
      ...(values.services === undefined ? {} : { services: Number(values.services) }),
      ...(network === undefined ? {} : { network: network as NetworkBackend }),
      ...(proxyMode === undefined ? {} : { proxyMode: proxyMode as ProxyMode }),
      ...(values.name === undefined ? {} : { name: values.name }),
    });
    const out = values.out ?? '.';
    const manifest = `${spec.name}-manifests.yaml`;
    await mkdir(out, { recursive: true });
    await writeFile(join(out, `${spec.name}.yaml`), topologyToYaml(topologyToDocument(spec, [`./${manifest}`])));
    await writeFile(join(out, manifest), manifestsToYaml(spec.objects));
    process.stdout.write(`wrote ${join(out, `${spec.name}.yaml`)} (${spec.nodes.length} nodes) and ${join(out, manifest)} (${spec.objects.length} objects)\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`gen-topology: ${errorMessage(e)}\n`);
    return isKubewireError(e) ? 2 : 1;
  }
}

function usage(problem: string): number {
  process.stderr.write(`gen-topology: ${problem}\n${USAGE}\n`);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
