import test from 'ava';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ip4ToString } from '../../src/addr/index.js';
import { DEFAULT_CONFLIST, loadTopology } from '../../src/topology/index.js';

const dir = fileURLToPath(new URL('../../topologies/', import.meta.url));

test('three-node.yaml: host-gw, iptables, the nodes, podCIDRs and external client of the issue', async (t) => {
  const topo = await loadTopology(`${dir}three-node.yaml`);
  t.is(topo.name, 'three-node');
  t.is(topo.file, `${dir}three-node.yaml`);
  t.is(topo.cluster.network, 'host-gw');
  t.is(topo.cluster.proxyMode, 'iptables');
  t.is(topo.cluster.clusterCIDR.toString(), '10.244.0.0/16');
  t.is(topo.cluster.serviceCIDR.toString(), '10.96.0.0/12');
  t.is(topo.cluster.nodeNetwork.cidr.toString(), '192.168.50.0/24');
  t.is(ip4ToString(topo.cluster.nodeNetwork.gateway ?? 0), '192.168.50.1');
  t.is(topo.cluster.loadBalancer?.pool.toString(), '192.168.50.240/28');
  t.is(topo.cluster.loadBalancer?.mode, 'bgp');
  t.deepEqual(topo.cluster.cni, {});
  t.deepEqual(
    topo.nodes.map((n) => [n.name, ip4ToString(n.ip), n.podCIDR.toString(), n.podCIDRAllocated, n.labels['zone']]),
    [
      ['node-a', '192.168.50.11', '10.244.1.0/24', false, 'a'],
      ['node-b', '192.168.50.12', '10.244.2.0/24', false, 'b'],
      ['node-c', '192.168.50.13', '10.244.3.0/24', false, 'c'],
    ],
  );
  t.deepEqual(topo.external.map((h) => [h.name, ip4ToString(h.ip)]), [['client', '192.168.50.200']]);
});

test('demo-app.yaml holds the workload the issue asks for', async (t) => {
  const topo = await loadTopology(`${dir}three-node.yaml`);
  const byName = new Map(topo.objects.map((o) => [`${o.object.kind}/${o.object.metadata.name}`, o.object]));
  t.deepEqual([...byName.keys()], ['Namespace/demo', 'Deployment/web', 'Service/web', 'Service/web-nodeport', 'Service/web-lb', 'Pod/client', 'Pod/db', 'Deployment/api', 'Service/api']);
  for (const o of topo.objects) if (o.object.kind !== 'Namespace') t.is(o.object.metadata.namespace, 'demo');
  const spec = (k: string): Record<string, unknown> => (byName.get(k)?.['spec'] ?? {}) as Record<string, unknown>;
  t.is(spec('Deployment/web')['replicas'], 3);
  t.is(spec('Deployment/api')['replicas'], 2);
  const web = JSON.stringify(spec('Deployment/web'));
  t.true(web.includes('"containerPort":8080') && web.includes('"tcpSocket":{"port":8080}'));
  t.deepEqual(spec('Service/web')['ports'], [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]);
  t.is(spec('Service/web-nodeport')['type'], 'NodePort');
  t.is((spec('Service/web-nodeport')['ports'] as { nodePort: number }[])[0]?.nodePort, 30080);
  t.is(spec('Service/web-lb')['type'], 'LoadBalancer');
  t.is(spec('Pod/client')['nodeName'], 'node-a');
  t.is(spec('Pod/db')['nodeName'], 'node-c');
  t.is(spec('Service/api')['externalTrafficPolicy'], 'Local');
  t.is((spec('Service/api')['ports'] as { nodePort: number }[])[0]?.nodePort, 30081);
});

test('three-node-vxlan.yaml: the same nodes and app over vxlan', async (t) => {
  const [gw, vx] = await Promise.all([loadTopology(`${dir}three-node.yaml`), loadTopology(`${dir}three-node-vxlan.yaml`)]);
  t.is(vx.cluster.network, 'vxlan');
  t.deepEqual(vx.nodes, gw.nodes);
  t.deepEqual(vx.objects.map((o) => o.object), gw.objects.map((o) => o.object));
});

test('single-node.yaml: one node with an allocated podCIDR and the shipped conflist', async (t) => {
  const topo = await loadTopology(`${dir}single-node.yaml`);
  t.deepEqual(topo.nodes.map((n) => [n.name, n.podCIDR.toString(), n.podCIDRAllocated]), [['solo', '10.244.0.0/24', true]]);
  t.is(topo.cluster.cni.conflistPath, `${dir}cni/bridge.conflist`);
  t.deepEqual(topo.objects.map((o) => `${o.object.kind}/${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`), ['Deployment/default/echo', 'Service/default/echo']);
});

test('cni/bridge.conflist is the default CNI config: bridge cni0 gateway without masquerade, host-local fed by ipRanges, portmap', async (t) => {
  const conflist = JSON.parse(await readFile(`${dir}cni/bridge.conflist`, 'utf8')) as unknown;
  t.deepEqual(conflist, JSON.parse(JSON.stringify(DEFAULT_CONFLIST)));
  const [bridge, portmap] = DEFAULT_CONFLIST.plugins;
  t.like(bridge, { type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: false, hairpinMode: false, capabilities: { ipRanges: true }, ipam: { type: 'host-local' } });
  t.like(portmap, { type: 'portmap', capabilities: { portMappings: true } });
});

test('loadTopology names a missing file', async (t) => {
  const e = await t.throwsAsync(loadTopology(`${dir}does-not-exist.yaml`));
  t.is((e as { code?: string } | undefined)?.code, 'KW_TOPOLOGY_FILE');
  t.regex(e?.message ?? '', /does-not-exist\.yaml: cannot read topology file: no such file/);
});
