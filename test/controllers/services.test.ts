import test from 'ava';
import { isApiError } from '../../src/apiserver/index.js';
import { announcements, R, specOf, statusOf } from '../../src/controllers/index.js';
import { ip4ToString } from '../../src/addr/index.js';
import { cluster, deployment, list } from './harness.js';

const svc = (name: string, spec: Record<string, unknown>): Record<string, unknown> => ({ metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } });

test('ClusterIPs and nodePorts are allocated on create; default/kubernetes holds the first address', async (t) => {
  const { cp } = await cluster(1);
  const a = await cp.api.create(R.services, 'default', svc('a', { type: 'NodePort' }));
  t.regex(String(specOf(a)['clusterIP']), /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  t.deepEqual(specOf(a)['clusterIPs'], [specOf(a)['clusterIP']]);
  const np = (specOf(a)['ports'] as { nodePort: number }[])[0]?.nodePort ?? 0;
  t.true(np >= 30000 && np <= 32767);
  t.is(specOf(cp.informers.get(R.services, 'default', 'kubernetes') ?? { apiVersion: '', kind: '', metadata: {} })['clusterIP'], '10.96.0.1');
});

test('an explicit clusterIP or nodePort is honoured; one already taken is a 422 naming the field, and nothing is stored', async (t) => {
  const { cp } = await cluster(1);
  const a = await cp.api.create(R.services, 'default', svc('a', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080 }] }));
  t.is(specOf(a)['clusterIP'], '10.96.0.10');
  t.is((specOf(a)['ports'] as { nodePort: number }[])[0]?.nodePort, 30080);
  const e1 = await t.throwsAsync(cp.api.create(R.services, 'default', svc('b', { clusterIP: '10.96.0.10' })));
  t.true(isApiError(e1));
  if (isApiError(e1)) {
    t.is(e1.status.code, 422);
    t.is(e1.status.message, 'Service "b" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.10"]: failed to allocate IP 10.96.0.10: provided IP is already allocated');
    t.deepEqual(e1.status.details?.causes?.map((c) => c.field), ['spec.clusterIPs']);
  }
  const e2 = await t.throwsAsync(cp.api.create(R.services, 'default', svc('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })));
  t.true(isApiError(e2) && e2.status.code === 422, 'a 422, not some other error');
  if (isApiError(e2)) t.is(e2.status.message, 'Service "c" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  t.deepEqual(list(cp, R.services).map((s) => s.metadata.name).sort(), ['a', 'kubernetes'], 'nothing stored');
  const e3 = await t.throwsAsync(cp.api.create(R.services, 'default', svc('d', { clusterIP: '10.200.0.1' })));
  t.true(isApiError(e3) && e3.status.code === 422, 'a 422, not some other error');
  if (isApiError(e3)) t.regex(e3.status.message, /spec\.clusterIPs: Invalid value: \["10\.200\.0\.1"\]: failed to allocate IP 10\.200\.0\.1: the provided IP \(10\.200\.0\.1\) is not in the valid range/);
  // Deleting releases: the address can be taken again.
  await cp.api.delete(R.services, 'default', 'a');
  await cp.settle();
  const b = await cp.api.create(R.services, 'default', svc('b', { clusterIP: '10.96.0.10', type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
  t.is(specOf(b)['clusterIP'], '10.96.0.10');
});

test('invalid objects of every kind are refused with 422 naming the field, and nothing is stored', async (t) => {
  const { cp } = await cluster(1);
  const before = cp.api.store.currentResourceVersion();
  const cases: [keyof typeof R, Record<string, unknown>, string][] = [
    ['pods', { metadata: { name: 'p' }, spec: { containers: [] } }, 'spec.containers'],
    ['pods', { metadata: { name: 'Bad_Name' }, spec: { containers: [{ name: 'c', image: 'x' }] } }, 'metadata.name'],
    ['services', { metadata: { name: 's' }, spec: { ports: [{ port: 70000 }] } }, 'spec.ports[0].port'],
    ['services', { metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] } }, 'spec.ports[0].nodePort'],
    ['deployments', { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'c' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } }, 'spec.template.metadata.labels'],
    ['deployments', { ...deployment('d', 1, { maxSurge: 0, maxUnavailable: 0 }) }, 'spec.strategy.rollingUpdate.maxUnavailable'],
    ['replicaSets', { metadata: { name: 'r' }, spec: { replicas: -1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } }, 'spec.replicas'],
    ['nodes', { metadata: { name: 'n' }, spec: { podCIDR: '10.0.0.1/8' } }, 'spec.podCIDR'],
    ['nodes', { metadata: { name: 'n' }, spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } }, 'spec.taints[0].effect'],
    ['endpointSlices', { metadata: { name: 'e' }, addressType: 'IPv4', endpoints: [{ addresses: ['not-an-ip'] }] }, 'endpoints[0].addresses[0]'],
  ];
  for (const [kind, body, field] of cases) {
    const ns = R[kind].namespaced ? 'default' : '';
    const e = await t.throwsAsync(cp.api.create(R[kind], ns, body), undefined, `${kind} ${field}`);
    t.true(isApiError(e) && e.status.code === 422 && (e.status.details?.causes ?? []).some((c) => c.field === field), `${kind}: ${e?.message ?? ''}`);
  }
  t.is(cp.api.store.currentResourceVersion(), before, 'no write reached the store');
});

test('LoadBalancer: the lowest free pool address, or spec.loadBalancerIP; announced bgp by every eligible node, l2 by one', async (t) => {
  const { cp } = await cluster(3);
  await cp.api.create(R.deployments, 'default', deployment('web', 2));
  await cp.api.create(R.services, 'default', svc('web', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080 }] }));
  await cp.api.create(R.services, 'default', svc('fixed', { type: 'LoadBalancer', loadBalancerIP: '192.168.50.245' }));
  await cp.settle();
  const ingress = (name: string): unknown => (statusOf(cp.informers.get(R.services, 'default', name) ?? { apiVersion: '', kind: '', metadata: {} })['loadBalancer'] as { ingress?: unknown }).ingress;
  t.deepEqual(ingress('web'), [{ ip: '192.168.50.240', ipMode: 'VIP' }]);
  t.deepEqual(ingress('fixed'), [{ ip: '192.168.50.245', ipMode: 'VIP' }]);
  const bgp = announcements(cp.informers, 'bgp').map((a) => `${a.service} ${ip4ToString(a.ip)} ${a.nodes.join(',')}`);
  t.deepEqual(bgp, ['default/fixed 192.168.50.245 node-1,node-2,node-3', 'default/web 192.168.50.240 node-1,node-2'], 'Local: only nodes with a ready endpoint');
  const l2 = announcements(cp.informers, 'l2');
  t.is(l2.length, 2);
  t.true(l2.every((a) => a.nodes.length === 1));
  t.is(l2.find((a) => a.service === 'default/web')?.nodes[0]?.startsWith('node-'), true);
  // Type changes back to ClusterIP: the address returns to the pool.
  await cp.api.patch(R.services, 'default', 'fixed', 'merge', { spec: { type: 'ClusterIP', loadBalancerIP: null, externalTrafficPolicy: null, allocateLoadBalancerNodePorts: null, ports: [{ port: 80 }] } });
  await cp.settle();
  t.deepEqual(ingress('fixed'), undefined);
});
