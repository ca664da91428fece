import { type Cluster, buildCluster, traceInCluster } from '../../src/cluster/index.js';
import type { TracePath } from '../../src/datapath/index.js';
import type { ProxyMode } from '../../src/proxy/index.js';
import { parseTopology } from '../../src/topology/index.js';
import { SERVICES_APPS, SERVICES_TOPOLOGY } from './services-topology.js';

/** The services topology of test/cluster/services.test.ts, realized with kube-proxy in `mode`. */
export async function servicesCluster(mode: ProxyMode, opts: { hairpin?: boolean } = {}): Promise<Cluster> {
  const read = async (p: string): Promise<string> => {
    if (p.endsWith('apps.yaml')) return SERVICES_APPS;
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  };
  const c = buildCluster(await parseTopology(SERVICES_TOPOLOGY, '/virtual/topology.yaml', read), { proxyMode: mode });
  if (opts.hairpin === true) for (const n of c.nodes.values()) for (const l of n.netns.links.values()) if (l.master === 'cni0') l.hairpin = true;
  return c;
}

/** One line per path: probability, verdict, receiving pod and port, source seen (as services.test.ts prints them). */
export function summary(paths: readonly TracePath[]): string[] {
  return paths.map((p) => `${p.probability.toString()} ${p.verdict} ${p.delivered?.pod ?? '-'}:${p.delivered?.port ?? '-'} from ${p.sourceSeen ?? '-'}`).sort();
}

/** What the cross-mode comparison looks at: which backends are reached, the source each sees, how other paths end. */
export function outcome(c: Cluster, from: string, to: string): string {
  const r = traceInCluster(c, { from, to });
  const set = new Set<string>();
  for (const p of r.paths) set.add(p.verdict === 'delivered' ? `${p.delivered?.pod ?? p.delivered?.node ?? '?'}:${p.delivered?.port ?? '-'} from ${p.sourceSeen ?? '-'}` : p.verdict);
  return [...set].sort().join(' | ');
}
