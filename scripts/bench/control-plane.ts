import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Cidr4, ip4ToString } from '../../src/addr/index.js';
import { buildCluster, ControlPlane } from '../../src/cluster/index.js';
import { WiredPodNetwork } from '../../src/cluster/live/index.js';
import { DEFAULT_BRIDGE } from '../../src/cluster/pod-network.js';
import { R } from '../../src/controllers/index.js';
import { createSharedIptablesContext, IptablesProxier } from '../../src/proxy/index.js';
import { generateTopology } from '../../src/topology/index.js';
import { type BenchContext, peakRssMiB, round } from './figure.js';

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * The control-plane issue's figure: N nodes register, D Deployments (with one Service each) are
 * created through the API, and the controllers, scheduler, kubelets (wiring every pod through the CNI runtime
 * in-process on the virtual kernel) and the EndpointSlice controller run until the cluster is quiescent. Full: 5,000 nodes, 150,000 pods in 10,000
 * Deployments of 15, 10,000 Services. --quick: 100 nodes, 1,500 pods, 100 Services. KW_CP_NODES and KW_CP_DEPLOYMENTS override the sizes.
 * Every 10th Service is a NodePort with externalTrafficPolicy: Local, so nodes' rules really differ
 * (each node's KUBE-SVL chains jump to its own endpoints only).
 *
 * kube-proxy (iptables mode) follows the informers from the start, as on a real cluster; once the
 * cluster is quiescent every node's proxier does its first (full) sync: each node gets its whole
 * iptables-restore text. The proxiers share one render cache, so the text is a rope over shared
 * blocks plus what is the node's own; a sample of nodes is read in full and checked (its node IP,
 * and exactly its local endpoints behind each Local Service).
 * CPU time is reported beside wall time (the machine is shared).
 */
export async function benchControlPlane(ctx: BenchContext): Promise<void> {
  const nodes = Number(process.env["KW_CP_NODES"] ?? (ctx.quick ? 100 : 5000));
  const deployments = Number(process.env["KW_CP_DEPLOYMENTS"] ?? (ctx.quick ? 100 : 10000));
  const replicas = 15;
  const tag = `control-plane.${nodes}-nodes.${deployments * replicas}-pods`;
  const c0 = cpuMs();
  const t0 = performance.now();
  // The nodes' machines: root namespaces on the node network with their podCIDRs, no pods yet. Each kubelet wires
  // its pods through the CNI runtime, in-process on the virtual kernel (bridge + host-local + portmap, the default
  // conflist), as `kubewire serve` does: namespace, veth pair, bridge port, address and routes per pod.
  const machines = buildCluster(generateTopology({ nodes, podsPerNode: 0, services: 0, network: 'host-gw' }));
  const nodeList = [...machines.nodes.values()];
  const cp = await ControlPlane.start({
    serviceCIDR: Cidr4.parse('10.96.0.0/12'),
    clusterCIDR: machines.topology.cluster.clusterCIDR,
    nodeCIDRMaskSize: machines.topology.cluster.nodeCIDRMaskSize,
    network: (name) => {
      const node = machines.nodes.get(name);
      if (node === undefined) throw new Error(`bench: no machine for node ${name}`);
      return new WiredPodNetwork(machines.network, node, DEFAULT_BRIDGE);
    },
  });
  const shared = createSharedIptablesContext();
  const nodeName = (i: number): string => nodeList[i]?.spec.name ?? `node-${i}`;
  const nodeIp = (i: number): string => (nodeList[i] === undefined ? '' : ip4ToString(nodeList[i].spec.ip));
  const proxier = (i: number): IptablesProxier =>
    new IptablesProxier({ nodeName: nodeName(i), nodeIPs: nodeList[i] === undefined ? [] : [nodeList[i].spec.ip], clusterCIDR: machines.topology.cluster.clusterCIDR }, shared);
  // One proxier's handlers feed the state every node's proxier renders from (informer → SharedProxyState).
  const feeder = proxier(0);
  cp.informers.on(R.services, (type, o, old) => {
    const svc = o as unknown as Service;
    if (type === 'ADDED') feeder.onServiceAdd(svc);
    else if (type === 'MODIFIED') feeder.onServiceUpdate(old as unknown as Service, svc);
    else feeder.onServiceDelete(svc);
  });
  cp.informers.on(R.endpointSlices, (type, o, old) => {
    const sl = o as unknown as EndpointSlice;
    if (type === 'ADDED') feeder.onEndpointSliceAdd(sl);
    else if (type === 'MODIFIED') feeder.onEndpointSliceUpdate(old as unknown as EndpointSlice, sl);
    else feeder.onEndpointSliceDelete(sl);
  });
  for (let i = 0; i < nodes; i++) await cp.addNode({ name: nodeName(i), ip: nodeIp(i) });
  await cp.settle();
  const t1 = performance.now();
  const c1 = cpuMs();
  for (let d = 0; d < deployments; d++) {
    const app = `app-${d}`;
    await cp.api.create(R.deployments, 'default', {
      metadata: { name: app },
      spec: {
        replicas,
        selector: { matchLabels: { app } },
        template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080 }] }] } },
      },
    });
    const local = d % 10 === 0 ? { type: 'NodePort', externalTrafficPolicy: 'Local' } : {};
    await cp.api.create(R.services, 'default', { metadata: { name: app }, spec: { ...local, selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  }
  const t2 = performance.now();
  const c2 = cpuMs();
  await cp.settle();
  const t3 = performance.now();
  const c3 = cpuMs();
  // Every node's kube-proxy syncs: node-0's proxier is the feeder, the others start now.
  // Only the sampled nodes' texts are kept (a real node hands its text to iptables-restore and drops it).
  const sample = [0, nodes >> 1, nodes - 1].filter((v, i, a) => a.indexOf(v) === i);
  const texts = new Map<number, string>();
  let syncs = 0;
  let restoreChars = 0;
  for (let i = 0; i < nodes; i++) {
    const r = (i === 0 ? feeder : proxier(i)).sync();
    if (r.kind === 'full') syncs++;
    restoreChars += r.restore.length;
    if (sample.includes(i)) texts.set(i, r.restore);
  }
  const t4 = performance.now();
  const c4 = cpuMs();
  const pods = cp.informers.count(R.pods);
  const podList = [...cp.informers.list(R.pods)];
  const running = podList.filter((p) => (p['status'] as { phase?: string } | undefined)?.phase === 'Running').length;
  const slices = cp.informers.count(R.endpointSlices);
  const sliceList = [...cp.informers.list(R.endpointSlices)] as unknown as EndpointSlice[];
  const withEndpoints = sliceList.filter((sl) => (sl.endpoints ?? []).some((e) => e.conditions?.ready === true)).length;
  const endpoints = sliceList.reduce((n, sl) => n + (sl.endpoints ?? []).length, 0);
  let sampleBytes = 0;
  for (const i of sample) sampleBytes += checkNodeRules(texts.get(i) ?? '', nodeName(i), nodeIp(i), sliceList, deployments);
  // Every Running pod really is wired: its namespace exists and holds its address on eth0.
  let wired = 0;
  for (const p of podList) {
    const st = p['status'] as { phase?: string; podIP?: string } | undefined;
    const ns = machines.network.netns.get(`pod/${(p['metadata'] as { namespace?: string }).namespace ?? ''}/${(p['metadata'] as { name?: string }).name ?? ''}`);
    if (st?.phase === 'Running' && ns !== undefined && ns.link('eth0')?.addrs.some((a) => ip4ToString(a.ip) === st.podIP) === true) wired++;
  }
  ctx.report({ name: `${tag}.register-nodes`, value: round(t1 - t0), unit: 'ms' });
  ctx.report({ name: `${tag}.register-nodes.cpu`, value: round(c1 - c0), unit: 'ms' });
  ctx.report({ name: `${tag}.create-objects`, value: round(t2 - t1), unit: 'ms' });
  ctx.report({ name: `${tag}.settle`, value: round(t3 - t2), unit: 'ms' });
  ctx.report({ name: `${tag}.settle.cpu`, value: round(c3 - c2), unit: 'ms' });
  ctx.report({ name: `${tag}.proxy-sync-all-nodes`, value: round(t4 - t3), unit: 'ms' });
  ctx.report({ name: `${tag}.proxy-sync-all-nodes.cpu`, value: round(c4 - c3), unit: 'ms' });
  ctx.report({ name: `${tag}.total`, value: round(t4 - t0), unit: 'ms' });
  ctx.report({ name: `${tag}.total.cpu`, value: round(c4 - c0), unit: 'ms' });
  ctx.report({ name: `${tag}.pods-per-second`, value: round((running * 1000) / Math.max(t4 - t0, 1e-6)), unit: 'pods/s (wall, Running and wired, start to all rules rendered)' });
  ctx.report({ name: `${tag}.pods-per-second.cpu`, value: round((running * 1000) / Math.max(c4 - c0, 1e-6)), unit: 'pods/s (CPU)' });
  ctx.report({ name: `${tag}.pods-running`, value: running, unit: `of ${pods}` });
  ctx.report({ name: `${tag}.pods-wired`, value: wired, unit: `of ${pods} (namespace with the pod's IP on eth0, through CNI in-process)` });
  ctx.report({ name: `${tag}.endpointslices`, value: slices, unit: `slices (${withEndpoints} with ready endpoints, ${endpoints} endpoints)` });
  ctx.report({ name: `${tag}.proxy-full-syncs`, value: syncs, unit: `of ${nodes} nodes (${round(restoreChars / 1048576)} MiB of restore text in all)` });
  ctx.report({ name: `${tag}.proxy-rules-sampled`, value: round(sampleBytes / sample.length / 1024), unit: `KiB per node, ${sample.length} nodes read and checked` });
  ctx.report({ name: `${tag}.peak-rss`, value: round(peakRssMiB()), unit: 'MiB' });
}

/**
 * Reads one node's restore text in full and checks what makes it that node's: its node IP on the
 * NodePort rules, and behind each externalTrafficPolicy: Local Service exactly the node's own ready
 * endpoints (KUBE-SVL chain → one KUBE-SEP jump each). Throws on a mismatch; returns the text's length.
 */
function checkNodeRules(text: string, node: string, ip: string, slices: readonly EndpointSlice[], deployments: number): number {
  if (!hasLine(text, '*nat') || !hasLine(text, 'COMMIT')) throw new Error(`${node}: restore text without a nat table`);
  let localWanted = 0;
  for (const sl of slices) {
    const svc = sl.metadata?.labels?.['kubernetes.io/service-name'] ?? '';
    const d = Number(svc.slice('app-'.length));
    if (!svc.startsWith('app-') || d % 10 !== 0 || d >= deployments) continue;
    localWanted += (sl.endpoints ?? []).filter((e) => e.nodeName === node && e.conditions?.ready === true).length;
  }
  let localJumps = 0;
  forLinesStarting(text, '-A KUBE-SVL-', (l) => {
    if (l.includes(' -j KUBE-SEP-')) localJumps++;
  });
  if (localJumps !== localWanted) throw new Error(`${node}: ${localJumps} local endpoint jumps in KUBE-SVL chains, want ${localWanted}`);
  let nodePorts = 0;
  forLinesStarting(text, '-A KUBE-NODEPORTS ', () => nodePorts++);
  if (deployments >= 10 && nodePorts === 0) throw new Error(`${node}: no KUBE-NODEPORTS rules for the NodePort Services (node IP ${ip})`);
  return text.length;
}

/** Whether the text has a line that is exactly `line` (searched in place: a node's text is some 50 MB). */
function hasLine(text: string, line: string): boolean {
  return text === line || text.startsWith(`${line}\n`) || text.endsWith(`\n${line}`) || text.includes(`\n${line}\n`);
}

/** Calls `f` with each line that starts with `prefix`, found with indexOf rather than by splitting the whole text. */
function forLinesStarting(text: string, prefix: string, f: (line: string) => void): void {
  const needle = `\n${prefix}`;
  const next = (from: number): number => {
    const k = text.indexOf(needle, from);
    return k < 0 ? -1 : k + 1;
  };
  let at = text.startsWith(prefix) ? 0 : next(0);
  while (at >= 0) {
    const end = text.indexOf('\n', at);
    f(text.slice(at, end < 0 ? text.length : end));
    if (end < 0) break;
    at = next(end);
  }
}

/**
 * Run alone (for profiling): `node --import ./scripts/ts-node-register.mjs scripts/bench/control-plane.ts [--quick]`,
 * sized by KW_CP_NODES / KW_CP_DEPLOYMENTS as in the full bench.
 */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchControlPlane({
    quick: process.argv.includes('--quick'),
    report: (f) => process.stdout.write(`${f.name}: ${f.value} ${f.unit}\n`),
    note: (t) => process.stdout.write(`${t}\n`),
  });
}
