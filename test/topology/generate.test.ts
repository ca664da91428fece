import test from 'ava';
import { InputError } from '../../src/lib/index.js';
import { ip4ToString } from '../../src/addr/index.js';
import { checkManifests } from '../../src/topology/manifest-checks.js';
import { generateTopology, manifestsToYaml, parseTopology, topologyToDocument, topologyToYaml } from '../../src/topology/index.js';
import { memFs } from './helpers/fixtures.js';

test('5,000 nodes × 30 pods: 150,000 pinned Pods, distinct podCIDRs and node IPs, valid as a loaded file would be', (t) => {
  const topo = generateTopology({ nodes: 5000, podsPerNode: 30 });
  t.is(topo.nodes.length, 5000);
  const pods = topo.objects.filter((o) => o.object.kind === 'Pod');
  t.is(pods.length, 150_000);
  t.is(topo.objects.filter((o) => o.object.kind === 'Service').length, 30);
  t.is(new Set(topo.nodes.map((n) => n.podCIDR.toString())).size, 5000);
  t.is(new Set(topo.nodes.map((n) => n.ip)).size, 5000);
  t.is(topo.nodes[0]?.name, 'node-00001');
  t.is(topo.nodes[0]?.podCIDR.toString(), '10.0.0.0/24');
  t.is(topo.nodes[4999]?.name, 'node-05000');
  // Index 4999 = 19 × 256 + 135: the podCIDR is 10.19.135.0/24, the node IP 172.16.0.11 + 4999 = 172.16.19.146.
  t.is(topo.nodes[4999]?.podCIDR.toString(), '10.19.135.0/24');
  t.is(ip4ToString(topo.nodes[4999]?.ip ?? 0), '172.16.19.146');
  t.true(topo.nodes.every((n) => topo.cluster.clusterCIDR.containsCidr(n.podCIDR) && topo.cluster.nodeNetwork.cidr.contains(n.ip)));
  // Each node carries podsPerNode Pods, each Service selects 5,000 of them.
  const perNode = new Map<string, number>();
  const perApp = new Map<string, number>();
  for (const p of pods) {
    const node = (p.object['spec'] as { nodeName: string }).nodeName;
    perNode.set(node, (perNode.get(node) ?? 0) + 1);
    const app = p.object.metadata.labels?.['app'] ?? '';
    perApp.set(app, (perApp.get(app) ?? 0) + 1);
  }
  t.deepEqual(new Set(perNode.values()), new Set([30]));
  t.is(perNode.size, 5000);
  t.deepEqual(new Set(perApp.values()), new Set([5000]));
  t.notThrows(() => checkManifests(topo.objects.map((o) => ({ ...o, base: '' })), { nodeNames: new Set(topo.nodes.map((n) => n.name)), serviceCIDR: topo.cluster.serviceCIDR }));
});

test('options choose the backend, proxy mode, name and Service count', (t) => {
  const topo = generateTopology({ nodes: 3, podsPerNode: 4, services: 2, network: 'vxlan', proxyMode: 'ipvs', name: 'small' });
  t.is(topo.name, 'small');
  t.is(topo.file, 'generated:small');
  t.is(topo.cluster.network, 'vxlan');
  t.is(topo.cluster.proxyMode, 'ipvs');
  t.deepEqual(topo.objects.filter((o) => o.object.kind === 'Service').map((o) => o.object.metadata.name), ['svc-1', 'svc-2']);
  t.deepEqual(topo.objects.filter((o) => o.object.kind === 'Pod').slice(0, 5).map((o) => `${o.object.metadata.name}:${o.object.metadata.labels?.['app'] ?? ''}`), [
    'pod-00001-0:svc-1', 'pod-00001-1:svc-2', 'pod-00001-2:svc-1', 'pod-00001-3:svc-2', 'pod-00002-0:svc-1',
  ]);
});

test('bad options are InputErrors', (t) => {
  for (const opts of [{ nodes: 0, podsPerNode: 1 }, { nodes: 70000, podsPerNode: 1 }, { nodes: 2, podsPerNode: 254 }, { nodes: 2, podsPerNode: 1.5 }]) {
    const e = t.throws(() => generateTopology(opts), { instanceOf: InputError });
    t.is((e as InputError | undefined)?.code, 'KW_TOPOLOGY_GENERATE');
  }
});

test('a generated topology written as YAML loads back to the same nodes and objects', async (t) => {
  const topo = generateTopology({ nodes: 4, podsPerNode: 2, services: 3, name: 'rt' });
  const files = {
    'out/rt.yaml': topologyToYaml(topologyToDocument(topo, ['./rt-manifests.yaml'])),
    'out/rt-manifests.yaml': manifestsToYaml(topo.objects),
  };
  const back = await parseTopology(files['out/rt.yaml'], 'out/rt.yaml', memFs(files));
  t.deepEqual(back.nodes.map((n) => ({ ...n, podCIDRAllocated: true })), topo.nodes);
  t.deepEqual(back.cluster.nodeNetwork, topo.cluster.nodeNetwork);
  t.deepEqual(back.objects.map((o) => o.object), topo.objects.map((o) => JSON.parse(JSON.stringify(o.object)) as unknown));
});
