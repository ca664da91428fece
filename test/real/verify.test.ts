import test from 'ava';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/main.js';
import { buildCluster, buildClusterAuto } from '../../src/cluster/index.js';
import { leftovers, prefixFor, teardown, verify, type VerifyReport } from '../../src/realize/index.js';
import { loadTopology } from '../../src/topology/index.js';
import { prerequisiteMissing } from './helpers/prerequisite.js';

const ROOT = process.getuid?.() === 0;
const HOST_GW = fileURLToPath(new URL('../../topologies/three-node.yaml', import.meta.url));
const VXLAN = fileURLToPath(new URL('../../topologies/three-node-vxlan.yaml', import.meta.url));
const HOST_PORT = fileURLToPath(new URL('../fixtures/hostport/topology.yaml', import.meta.url));
const HOST_PORT_PTP = fileURLToPath(new URL('../fixtures/hostport/topology-ptp.yaml', import.meta.url));
const maybe = ROOT ? test.serial : test.serial.skip;
if (!ROOT) prerequisiteMissing('real-kernel verify tests', 'root', 'not root: verify needs real network namespaces');

test.after.always(async () => {
  if (!ROOT) return;
  for (const p of ['kw-7e58', 'kw-7e59', 'kw-7e5b', prefixFor(VXLAN)]) await teardown(p).catch(() => undefined);
});

/** Every Service type under both externalTrafficPolicies, and pod-to-pod over TCP and UDP. */
function assertCoverage(t: import('ava').ExecutionContext, probes: VerifyReport['probes']): void {
  const kinds = new Set(probes.map((p) => `${p.kind} ${p.serviceType ?? '-'} ${p.trafficPolicy ?? '-'} ${p.proto}`));
  for (const k of ['pod-to-pod - - tcp', 'pod-to-pod - - udp', 'pod-to-service ClusterIP Cluster tcp', 'node-to-service ClusterIP Cluster tcp',
    'external-to-nodeport NodePort Cluster tcp', 'external-to-nodeport NodePort Local tcp', 'external-to-loadbalancer LoadBalancer Cluster tcp']) {
    t.true(kinds.has(k), `covered: ${k}`);
  }
  t.true(probes.some((p) => p.distribution !== undefined && p.distribution.fits), 'at least one distribution check ran');
}

function logDisagreements(t: import('ava').ExecutionContext, r: VerifyReport): void {
  for (const p of r.probes.filter((x) => !x.agreed)) t.log(`${p.kind} ${p.from} -> ${p.to}/${p.proto}: ${p.disagreements.map((d) => d.message).join(' | ')}`);
}

maybe('host-gw: 200 probes, every emulated trace agrees with the kernel; verify realizes and removes the cluster itself', async (t) => {
  const cluster = buildCluster(await loadTopology(HOST_GW));
  const r = await verify(cluster, { probes: 200, seed: 1, connections: 90, prefix: 'kw-7e58', realize: { cniPath: ['/usr/lib/cni'] } });
  logDisagreements(t, r);
  t.is(r.summary.probes, 200);
  t.true(r.realizedHere);
  assertCoverage(t, r.probes);
  t.is(r.summary.disagreed, 0);
  t.deepEqual(await leftovers('kw-7e58'), []);
});

maybe('vxlan through the CLI: --json summary, exit code 0 only when all agree, nothing left', async (t) => {
  let out = '';
  const code = await runCli(['verify', VXLAN, '--probes', '200', '--seed', '2', '--connections', '90', '--json', '--cni-path', '/usr/lib/cni'], { stdout: (s) => (out += s), stderr: () => undefined });
  const r = JSON.parse(out) as VerifyReport;
  logDisagreements(t, r);
  t.is(r.summary.probes, 200);
  t.is(r.summary.agreed + r.summary.disagreed, 200);
  assertCoverage(t, r.probes);
  t.is(code, r.summary.disagreed > 0 ? 1 : 0);
  t.is(r.summary.disagreed, 0);
  t.deepEqual(await leftovers(r.prefix), []);
});

for (const [plugin, file, prefix] of [
  ['bridge', HOST_PORT, 'kw-7e59'],
  ['ptp', HOST_PORT_PTP, 'kw-7e5b'],
] as const) {
  maybe(`hostPort and ipMasq over ${plugin}: the rules Debian's ${plugin} and portmap write are the emulated plugins', hit in the same order`, async (t) => {
    // A conflist with ipMasq and a pod publishing hostPorts takes the CNI runtime build; realize then leaves the
    // plugins' rules to the real plugins (run with the emulator's container ids), so every probe compares their TRACE
    // with ours.
    const cluster = await buildClusterAuto(await loadTopology(file));
    const r = await verify(cluster, { probes: 80, seed: 3, connections: 30, prefix, realize: { cniPath: ['/usr/lib/cni'] } });
    logDisagreements(t, r);
    const kinds = new Set(r.probes.map((p) => `${p.kind} ${p.proto}`));
    for (const k of ['external-to-hostport tcp', 'external-to-hostport udp', 'pod-to-hostport tcp', 'node-to-hostport udp', 'pod-to-pod tcp']) t.true(kinds.has(k), `covered: ${k}`);
    // Real portmap's chains were hit (named after the emulator's container id), and the plugin's ipMasq chain too.
    const hit = r.probes.flatMap((p) => Object.values(p.kernelRules ?? {}).flat());
    t.true(hit.some((x) => /-A CNI-DN-[0-9a-f]{21} .*--to-destination 10\.244\.1\.2:8080/.test(x)), 'a real portmap DNAT rule was hit');
    t.true(hit.some((x) => /-A CNI-[0-9a-f]{24} .*-j MASQUERADE/.test(x)), `a real ${plugin} ipMasq rule was hit`);
    t.is(r.summary.disagreed, 0);
    t.deepEqual(await leftovers(prefix), []);
  });
}
