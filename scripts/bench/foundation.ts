import { performance } from 'node:perf_hooks';
import { buildCluster, traceInCluster } from '../../src/cluster/index.js';
import { Tracer } from '../../src/datapath/index.js';
import { makePacket } from '../../src/packet/index.js';
import { Rng } from '../../src/lib/index.js';
import { generateTopology } from '../../src/topology/index.js';
import { type BenchContext, peakRssMiB, round } from './figure.js';

/**
 * The foundation issue's figures: build a 5,000-node, 150,000-pod cluster (30 pods a node)
 * and trace 100,000 random pod-to-pod packets on one core, after 5,000 untimed ones that warm the JIT up.
 * --quick: 100 nodes, 5,000 timed traces.
 */
export async function benchFoundation(ctx: BenchContext): Promise<void> {
  const nodes = ctx.quick ? 100 : 5000;
  const traces = ctx.quick ? 5000 : 100000;
  for (const network of ['host-gw', 'vxlan'] as const) {
    const tag = `${network}.${nodes}-nodes`;
    // Each build starts from a collected heap, not from the previous network's garbage (npm run bench passes
    // --expose-gc; without it this is a no-op).
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = performance.now();
    const topo = generateTopology({ nodes, podsPerNode: 30, services: 0, network });
    const t1 = performance.now();
    const b0 = process.cpuUsage();
    const cluster = buildCluster(topo);
    const b1 = process.cpuUsage(b0);
    const t2 = performance.now();
    ctx.report({ name: `build.${tag}.generate`, value: round(t1 - t0), unit: 'ms' });
    ctx.report({ name: `build.${tag}.${cluster.pods.size}-pods`, value: round(t2 - t1), unit: 'ms' });
    // CPU time too (all threads, GC included): the wall figure grows with whatever else the machine runs.
    ctx.report({ name: `build.${tag}.${cluster.pods.size}-pods.cpu`, value: round((b1.user + b1.system) / 1000), unit: 'ms cpu' });
    ctx.report({ name: `build.${tag}.peak-rss`, value: round(peakRssMiB()), unit: 'MiB' });

    const pods = [...cluster.pods.values()];
    const rng = new Rng(42);
    const tracer = new Tracer(cluster.network);
    const reqs = Array.from({ length: traces }, () => {
      const a = rng.pick(pods);
      const b = rng.pick(pods);
      return { from: a.netns.name, packet: makePacket({ src: a.ip, dst: b.ip, proto: 'tcp', sport: 40000, dport: 8080 }) };
    });
    // Each node's netfilter is loaded on the first packet that reaches it; load them all first so
    // the rate measures tracing, and report the loading on its own.
    const w0 = process.cpuUsage();
    for (const n of cluster.nodes.values()) cluster.proxies.get(n.spec.name)?.netfilter();
    const w1 = process.cpuUsage(w0);
    ctx.report({ name: `build.${tag}.load-node-rules`, value: round((w1.user + w1.system) / 1000), unit: 'ms cpu' });
    // Warm the JIT up on other random pairs first, so the rate is the steady state, not compilation.
    for (let i = 0; i < 5000; i++) {
      const a = rng.pick(pods);
      const b = rng.pick(pods);
      tracer.trace({ from: a.netns.name, packet: makePacket({ src: a.ip, dst: b.ip, proto: 'tcp', sport: 40001, dport: 8080 }) });
    }
    let delivered = 0;
    // CPU time of this process: the rate on one core, whatever else the machine is doing.
    const c0 = process.cpuUsage();
    for (const r of reqs) {
      const res = tracer.trace(r);
      if (res.paths[0]?.verdict === 'delivered') delivered++;
    }
    const c1 = process.cpuUsage(c0);
    ctx.report({ name: `trace.${tag}.pod-to-pod`, value: round(traces / ((c1.user + c1.system) / 1e6)), unit: 'traces/s' });
    ctx.report({ name: `trace.${tag}.delivered`, value: round((100 * delivered) / traces, 2), unit: '%' });
    // A sanity read through the public API so the bench also exercises endpoint resolution.
    const first = pods[0];
    const last = pods[pods.length - 1];
    if (first !== undefined && last !== undefined) traceInCluster(cluster, { from: `pod/${first.key}`, to: `pod/${last.key}:8080` });
    await Promise.resolve();
  }
}
