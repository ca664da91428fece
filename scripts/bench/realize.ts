import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildCluster, traceInCluster } from '../../src/cluster/index.js';
import { existsSync } from 'node:fs';
import { candidateProbes, pickProbes, RealizeError, verify } from '../../src/realize/index.js';
import { loadTopology } from '../../src/topology/index.js';
import { type BenchContext, round } from './figure.js';

const THREE_NODE = fileURLToPath(new URL('../../topologies/three-node.yaml', import.meta.url));

/**
 * The real kernel against the emulator on the 3-node topology: realize + verify (probes, distribution checks,
 * teardown) with Debian's CNI plugins, versus building the emulated cluster and tracing the same probes.
 * Needs root, the tools verify runs and Debian's CNI plugins; otherwise prints why it skips (the other sections'
 * figures stand on their own, so a machine without them still gets a whole bench).
 */
export async function benchRealize(ctx: BenchContext): Promise<void> {
  if (process.getuid?.() !== 0) {
    ctx.note('realize: skipped (realizing network namespaces needs root)');
    return;
  }
  if (!existsSync('/usr/lib/cni/bridge')) {
    ctx.note("realize: skipped (Debian's CNI plugins are not in /usr/lib/cni: install containernetworking-plugins, or run scripts/setup.sh --system)");
    return;
  }
  const probes = ctx.quick ? 6 : 100;
  const t0 = performance.now();
  const topo = await loadTopology(THREE_NODE);
  const cluster = buildCluster(topo);
  const picked = pickProbes(candidateProbes(cluster), probes, 1);
  for (const [i, p] of picked.entries()) traceInCluster(cluster, { from: p.from, to: `${p.dst}:${p.dport}`, proto: p.proto, sport: 20000 + i });
  const emulatedMs = performance.now() - t0;
  const t1 = performance.now();
  let r: Awaited<ReturnType<typeof verify>>;
  try {
    r = await verify(buildCluster(topo), { probes, seed: 1, connections: ctx.quick ? 12 : 90, prefix: 'kw-be7c', realize: { cniPath: ['/usr/lib/cni'] } });
  } catch (e) {
    // A missing tool is found before anything is created; say which and go on. Anything else is a real failure.
    if (e instanceof RealizeError && e.code === 'KW_REALIZE_MISSING_TOOL') {
      ctx.note(`realize: skipped (${e.message})`);
      return;
    }
    throw e;
  }
  const realMs = performance.now() - t1;
  const tag = `realize.three-node.${probes}-probes`;
  ctx.report({ name: `${tag}.emulate-and-trace`, value: round(emulatedMs), unit: 'ms' });
  ctx.report({ name: `${tag}.realize`, value: r.timings.realizeMs, unit: 'ms' });
  ctx.report({ name: `${tag}.probes-and-distributions`, value: r.timings.probesMs, unit: 'ms' });
  ctx.report({ name: `${tag}.teardown`, value: r.timings.teardownMs, unit: 'ms' });
  ctx.report({ name: `${tag}.realize-and-verify`, value: round(realMs), unit: 'ms' });
  ctx.report({ name: `${tag}.real-over-emulated`, value: round(realMs / emulatedMs, 1), unit: 'x' });
  ctx.report({ name: `${tag}.disagreed`, value: r.summary.disagreed, unit: 'probes' });
}
