import test from 'ava';
import { fileURLToPath } from 'node:url';
import { buildCluster, buildClusterAuto } from '../../src/cluster/index.js';
import { candidateProbes, coverageKey, parseGivenProbe, pickProbes, verify } from '../../src/realize/index.js';
import { loadTopology } from '../../src/topology/index.js';

const THREE_NODE = fileURLToPath(new URL('../../topologies/three-node.yaml', import.meta.url));
const HOST_PORT = fileURLToPath(new URL('../fixtures/hostport/topology.yaml', import.meta.url));

test('the demo topology offers every Service type under both traffic policies, and TCP and UDP pod to pod', async (t) => {
  const cluster = buildCluster(await loadTopology(THREE_NODE));
  const keys = new Set(candidateProbes(cluster).map(coverageKey));
  for (const k of [
    'pod-to-pod - - tcp', 'pod-to-pod - - udp', 'pod-to-service ClusterIP Cluster tcp', 'pod-to-service NodePort Cluster tcp',
    'node-to-service ClusterIP Cluster tcp', 'external-to-nodeport NodePort Cluster tcp', 'external-to-nodeport NodePort Local tcp',
    'external-to-loadbalancer LoadBalancer Cluster tcp',
  ]) t.true(keys.has(k), k);
  t.false([...candidateProbes(cluster)].some((p) => p.service === 'default/kubernetes'), 'the API server Service is not probed');
});

test('picking is seeded, visits every coverage group first, and fills up to the count', async (t) => {
  const cluster = buildCluster(await loadTopology(THREE_NODE));
  const all = candidateProbes(cluster);
  const groups = new Set(all.map(coverageKey));
  const a = pickProbes(all, 200, 7);
  t.is(a.length, 200);
  t.deepEqual([...new Set(a.slice(0, groups.size).map(coverageKey))].sort(), [...groups].sort());
  t.deepEqual(pickProbes(all, 200, 7), a);
  t.notDeepEqual(pickProbes(all, 200, 8), a);
});

test('given probes: <from>,<ip>:<port>[,proto], with errors that say what is wrong', async (t) => {
  const cluster = buildCluster(await loadTopology(THREE_NODE));
  t.deepEqual(parseGivenProbe('pod/demo/client,10.244.3.3:5432,udp', cluster), { kind: 'given', from: 'pod/demo/client', dst: '10.244.3.3', dport: 5432, proto: 'udp' });
  t.throws(() => parseGivenProbe('pod/demo/nobody,10.244.3.3:5432', cluster), { message: /no source pod\/demo\/nobody/ });
  t.throws(() => parseGivenProbe('node/node-a,10.244.3.3', cluster), { message: /is not <ip>:<port>/ });
  t.throws(() => parseGivenProbe('node/node-a,10.244.3.3:1,sctp', cluster), { message: /protocol "sctp"/ });
});

test('a pod publishing hostPorts is probed on its node\'s address from external hosts, every pod and every node, per protocol', async (t) => {
  const cluster = await buildClusterAuto(await loadTopology(HOST_PORT));
  const hp = candidateProbes(cluster).filter((p) => p.kind.endsWith('-to-hostport'));
  // 2 mappings (8081/tcp, 53/udp) x (1 external + 3 pods + 2 nodes).
  t.is(hp.length, 12);
  t.true(hp.every((p) => p.dst === '192.168.50.11'));
  t.deepEqual([...new Set(hp.map((p) => `${p.kind} ${p.dport}/${p.proto}`))].sort(), [
    'external-to-hostport 53/udp', 'external-to-hostport 8081/tcp', 'node-to-hostport 53/udp', 'node-to-hostport 8081/tcp', 'pod-to-hostport 53/udp', 'pod-to-hostport 8081/tcp',
  ]);
});

test('verify refuses a distribution check over no connections before touching the kernel', async (t) => {
  const cluster = buildCluster(await loadTopology(THREE_NODE));
  await t.throwsAsync(verify(cluster, { probes: 1, connections: 0 }), { code: 'KW_VERIFY_CONNECTIONS', message: /connections 0 is not a positive whole number/ });
});
