import test from 'ava';
import { ip4ToString } from '../../src/addr/index.js';
import { InputError } from '../../src/lib/index.js';
import { TWO_NODE_PODS, inlineCluster, shippedCluster, twoNodeYaml } from '../helpers/cluster.js';

test('host-local order: gateway .1 on cni0, pods from .2 in manifest order per node', async (t) => {
  const c = await inlineCluster(twoNodeYaml(), { 'pods.yaml': TWO_NODE_PODS });
  t.is(ip4ToString(c.pods.get('default/a1')!.ip), '10.244.1.2');
  t.is(ip4ToString(c.pods.get('default/a2')!.ip), '10.244.1.3');
  t.is(ip4ToString(c.pods.get('default/b1')!.ip), '10.244.2.2');
  const n1 = c.nodes.get('n1')!.netns;
  t.is(ip4ToString(n1.primaryAddress('cni0')!), '10.244.1.1');
  t.true(c.pods.get('default/a1')!.hostVeth.startsWith('veth'));
  t.is(c.pods.get('default/a1')!.hostVeth.length, 12);
});

test('Deployments expand into replicas with controller-style names, spread round-robin', async (t) => {
  const c = await shippedCluster('three-node.yaml');
  const web = [...c.pods.values()].filter((p) => p.labels['app'] === 'web');
  t.is(web.length, 3);
  for (const p of web) t.regex(p.name, /^web-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  t.deepEqual(new Set(web.map((p) => p.node)), new Set(['node-a', 'node-b', 'node-c']));
  t.is(c.pods.get('demo/client')?.node, 'node-a', 'spec.nodeName is honoured');
  t.is(c.pods.get('demo/db')?.node, 'node-c');
});

test('Services get ClusterIPs in serviceCIDR, default/kubernetes the first one, nodePorts as given', async (t) => {
  const c = await shippedCluster('three-node.yaml');
  t.is(c.services.get('default/kubernetes')?.spec?.clusterIP, '10.96.0.1');
  const cidr = c.topology.cluster.serviceCIDR;
  const ips = [...c.services.values()].map((s) => s.spec?.clusterIP);
  t.is(new Set(ips).size, ips.length, 'ClusterIPs are distinct');
  t.is(c.services.get('demo/web-nodeport')?.spec?.ports?.[0]?.nodePort, 30080);
  const lb = c.services.get('demo/web-lb');
  t.is(lb?.status?.loadBalancer?.ingress?.[0]?.ip, '192.168.50.240', 'MetalLB hands out the lowest free pool address');
  for (const s of c.services.values()) {
    const ip = s.spec?.clusterIP;
    if (ip !== undefined && ip !== 'None') t.true(cidr.contains(Number(ip.split('.').reduce((a, o) => a * 256 + Number(o), 0))), ip);
  }
});

test('EndpointSlices select ready pods by label and resolve targetPort', async (t) => {
  const c = await shippedCluster('three-node.yaml');
  const slices = c.endpointSlices.filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === 'web' && s.metadata.namespace === 'demo');
  t.is(slices.length, 1);
  const eps = slices[0]!.endpoints;
  t.is(eps.length, 3);
  t.deepEqual(slices[0]!.ports, [{ port: 8080, protocol: 'TCP', ...(slices[0]!.ports?.[0]?.name === undefined ? {} : { name: slices[0]!.ports[0]!.name }) }]);
  for (const e of eps) t.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
});

test('an exhausted pod range is a clear error naming node, pod and range', async (t) => {
  const many = Array.from({ length: 3 }, (_, i) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}}\nspec: {nodeName: n1, containers: [{name: c, image: x}]}\n`).join('---\n');
  const yaml = twoNodeYaml().replace('podCIDR: 10.244.1.0/24', 'podCIDR: 10.244.1.0/30').replace('nodeCIDRMaskSize', 'nodeCIDRMaskSize');
  const err = await t.throwsAsync(inlineCluster(yaml, { 'pods.yaml': many }));
  t.true(err instanceof InputError);
  t.is((err as InputError).code, 'KW_CNI_IPAM_EXHAUSTED');
  t.regex(err?.message ?? '', /node n1 would run 3 pods on the pod network but its podCIDR 10\.244\.1\.0\/30 has 1 addresses for pods .*pod default\/p1 is the first without an address/);
});
