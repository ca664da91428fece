import test from 'ava';
import { LiveCluster, buildCluster } from '../../src/cluster/index.js';
import { InputError } from '../../src/lib/index.js';
import { parseTopology, type TopologySpec } from '../../src/topology/index.js';

/** Where the topology build puts pods that name no node: round-robin over the nodes their nodeSelector allows. */
const TOPOLOGY = `apiVersion: kubewire/v1
kind: Topology
metadata: {name: zones}
cluster:
  clusterCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
  nodeNetwork: {cidr: 192.168.50.0/24}
nodes:
  - {name: n1, ip: 192.168.50.11, podCIDR: 10.244.1.0/24, labels: {zone: a}}
  - {name: n2, ip: 192.168.50.12, podCIDR: 10.244.2.0/24, labels: {zone: b}}
  - {name: n3, ip: 192.168.50.13, podCIDR: 10.244.3.0/24, labels: {zone: b}}
manifests: [./apps.yaml]
`;

const deployment = (name: string, replicas: number, nodeSelector?: Record<string, string>) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
${nodeSelector === undefined ? '' : `      nodeSelector: ${JSON.stringify(nodeSelector)}\n`}      containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]
`;

async function topo(apps: string): Promise<TopologySpec> {
  return parseTopology(TOPOLOGY, '/virtual/topology.yaml', async (p) => {
    if (p.endsWith('apps.yaml')) return apps;
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  });
}

function nodesOf(pods: Iterable<{ readonly key: string; readonly node: string }>, prefix: string): string[] {
  return [...pods].filter((p) => p.key.startsWith(`default/${prefix}-`)).map((p) => p.node).sort();
}

test('a nodeSelector keeps a Deployment\'s pods on the matching nodes, spread round-robin over them; the others still spread over all', async (t) => {
  const c = buildCluster(await topo(`${deployment('zb', 4, { zone: 'b' })}---\n${deployment('any', 3)}`));
  t.deepEqual(nodesOf(c.pods.values(), 'zb'), ['n2', 'n2', 'n3', 'n3']);
  t.deepEqual(nodesOf(c.pods.values(), 'any'), ['n1', 'n2', 'n3']);
});

test('the kubelet\'s well-known node labels select too (kubernetes.io/os, kubernetes.io/hostname)', async (t) => {
  const c = buildCluster(await topo(`${deployment('linux', 3, { 'kubernetes.io/os': 'linux' })}---\n${deployment('pinned', 2, { 'kubernetes.io/hostname': 'n3' })}`));
  t.deepEqual(nodesOf(c.pods.values(), 'linux'), ['n1', 'n2', 'n3']);
  t.deepEqual(nodesOf(c.pods.values(), 'pinned'), ['n3', 'n3']);
});

test('a nodeSelector no node matches is KW_CLUSTER_NO_NODE in the scheduler\'s words, naming the pod', async (t) => {
  const spec = await topo(deployment('nowhere', 1, { zone: 'c' }));
  const e = t.throws(() => buildCluster(spec), { instanceOf: InputError });
  t.is(e?.code, 'KW_CLUSTER_NO_NODE');
  t.regex(e?.message ?? '', /^pod default\/nowhere-\S+ cannot be placed: 0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector/);
});

test('the live cluster\'s scheduler puts the same pods on the same nodes', async (t) => {
  const spec = await topo(deployment('zb', 4, { zone: 'b' }));
  const live = await LiveCluster.start(spec);
  t.deepEqual(nodesOf(live.cluster().pods.values(), 'zb'), nodesOf(buildCluster(spec).pods.values(), 'zb'));
});
