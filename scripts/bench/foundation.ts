import { performance } from 'node:perf_hooks';
import { buildCluster, traceInCluster } from '../../src/cluster/index.js';
import { Tracer } from '../../src/datapath/index.js';
import { makePacket } from '../../src/packet/index.js';
import { Rng } from '../../src/lib/index.js';
import { generateTopology } from '../../src/topology/index.js';
import { type BenchContext, peakRssMiB, round } from './figure.js';

/**
 * The foundation issue's figures: build a 5,000-node, 150,000-pod cluster (30 pods a node)
 * and trace 100,000 random pod-to-pod packets on one core. --quick: 500 nodes, 20,000 traces.
 */
export async function benchFoundation(ctx: BenchContext): Promise<void> {
  const nodes = ctx.quick ? 500 : 5000;
  const traces = ctx.quick ? 20000 : 100000;
  for (const network of ['host-gw', 'vxlan'] as const) {
    const tag = `${network}.${nodes}-nodes`;
    const t0 = performance.now();
    const topo = generateTopology({ nodes, podsPerNode: 30, services: 0, network });
    const t1 = performance.now();
    const cluster = buildCluster(topo);
    const t2 = performance.now();
    ctx.report({ name: `build.${tag}.generate`, value: round(t1 - t0), unit: 'ms' });
    ctx.report({ name: `build.${tag}.${cluster.pods.size}-pods`, value: round(t2 - t1), unit: 'ms' });
    ctx.report({ name: `build.${tag}.peak-rss`, value: round(peakRssMiB()), unit: 'MiB' });

    const pods = [...cluster.pods.values()];
    const rng = new Rng(42);
    const tracer = new Tracer(cluster.network);
    const reqs = Array.from({ length: traces }, () => {
      const a = rng.pick(pods);
      const b = rng.pick(pods);
      return { from: a.netns.name, packet: makePacket({ src: a.ip, dst: b.ip, proto: 'tcp', sport: 40000, dport: 8080 }) };
    });
    let delivered = 0;
    const t3 = performance.now();
    for (const r of reqs) {
      const res = tracer.trace(r);
      if (res.paths[0]?.verdict === 'delivered') delivered++;
    }
    const t4 = performance.now();
    ctx.report({ name: `trace.${tag}.pod-to-pod`, value: round(traces / ((t4 - t3) / 1000)), unit: 'traces/s' });
    ctx.report({ name: `trace.${tag}.delivered`, value: round((100 * delivered) / traces, 2), unit: '%' });
    // A sanity read through the public API so the bench also exercises endpoint resolution.
    const first = pods[0];
    const last = pods[pods.length - 1];
    if (first !== undefined && last !== undefined) traceInCluster(cluster, { from: `pod/${first.key}`, to: `pod/${last.key}:8080` });
    await Promise.resolve();
  }
}
