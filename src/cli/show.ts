import type { Cluster } from '../cluster/index.js';
import { ip4ToString } from '../addr/index.js';
import { InputError } from '../lib/index.js';
import { type Netns, printBridgeFdb, printIpAddr, printIpNeigh, printIpRoute } from '../net/index.js';

/** `kubewire show`: a cluster summary, or one namespace's `ip addr`, `ip route`, `ip neigh` and `bridge fdb`. */
export function renderShow(cluster: Cluster, opts: { node?: string; pod?: string; external?: string }): string {
  if (opts.node !== undefined) {
    const n = cluster.nodes.get(opts.node);
    if (n === undefined) throw new InputError('KW_SHOW_UNKNOWN', `--node ${opts.node}: no such node (nodes: ${[...cluster.nodes.keys()].join(', ')})`);
    return renderNetns(cluster, n.netns);
  }
  if (opts.pod !== undefined) {
    const p = cluster.pods.get(opts.pod);
    if (p === undefined) throw new InputError('KW_SHOW_UNKNOWN', `--pod ${opts.pod}: no such pod (pods: ${[...cluster.pods.keys()].slice(0, 10).join(', ')})`);
    return renderNetns(cluster, p.netns);
  }
  if (opts.external !== undefined) {
    const e = cluster.externals.get(opts.external);
    if (e === undefined) throw new InputError('KW_SHOW_UNKNOWN', `--external ${opts.external}: no such external host`);
    return renderNetns(cluster, e.netns);
  }
  return renderSummary(cluster);
}

function renderNetns(cluster: Cluster, ns: Netns): string {
  const parts = [`# netns ${ns.name}`, '', '$ ip addr', printIpAddr(cluster.network, ns), '$ ip route', printIpRoute(ns)];
  const neigh = printIpNeigh(ns);
  if (neigh !== '') parts.push('$ ip neigh', neigh);
  const fdb = printBridgeFdb(ns);
  if (fdb !== '') parts.push('$ bridge fdb show', fdb);
  return parts.join('\n');
}

export function renderSummary(cluster: Cluster): string {
  const t = cluster.topology;
  const c = t.cluster;
  const out = [
    `topology ${t.name}: ${cluster.nodes.size} nodes, ${cluster.pods.size} pods, ${cluster.services.size} services, ${cluster.externals.size} external hosts`,
    `  network ${c.network}, proxy mode ${c.proxyMode}, clusterCIDR ${c.clusterCIDR.toString()}, serviceCIDR ${c.serviceCIDR.toString()}`,
    '',
    'NODES',
  ];
  for (const n of cluster.nodes.values()) out.push(`  ${n.spec.name.padEnd(16)} ${ip4ToString(n.spec.ip).padEnd(16)} podCIDR ${n.spec.podCIDR.toString()}`);
  out.push('', 'PODS');
  for (const p of cluster.pods.values()) out.push(`  ${p.key.padEnd(40)} ${ip4ToString(p.ip).padEnd(16)} ${p.node}`);
  out.push('', 'SERVICES');
  for (const [key, s] of cluster.services) {
    const ports = (s.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort === undefined ? '' : `:${p.nodePort}`}/${p.protocol ?? 'TCP'}`).join(',');
    const lb = s.status?.loadBalancer?.ingress?.map((i) => i.ip).join(',') ?? '';
    out.push(`  ${key.padEnd(32)} ${(s.spec?.type ?? 'ClusterIP').padEnd(13)} ${(s.spec?.clusterIP ?? '').padEnd(15)} ${ports}${lb === '' ? '' : `  lb ${lb}`}`);
  }
  if (cluster.externals.size > 0) {
    out.push('', 'EXTERNAL HOSTS');
    for (const e of cluster.externals.values()) out.push(`  ${e.name.padEnd(16)} ${ip4ToString(e.ip)}`);
  }
  return out.join('\n') + '\n';
}
