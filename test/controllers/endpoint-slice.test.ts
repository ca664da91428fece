import test from 'ava';
import type { Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../src/api/index.js';
import { MAX_ENDPOINTS_PER_SLICE, R } from '../../src/controllers/index.js';
import type { ControlPlane } from '../../src/cluster/live/control-plane.js';
import { cluster, deployment, list, podsOf } from './harness.js';

function slicesOf(cp: ControlPlane, svc: string): KubeObject[] {
  return list(cp, R.endpointSlices).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc);
}
const eps = (s: KubeObject): Endpoint[] => (s['endpoints'] ?? []) as Endpoint[];

test('EndpointSlices: one endpoint per pod with its IP, node and conditions; named target ports resolved; owned and labelled', async (t) => {
  const { cp } = await cluster(2);
  await cp.api.create(R.deployments, 'default', deployment('web', 3));
  const svc = await cp.api.create(R.services, 'default', { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  await cp.settle();
  const slices = slicesOf(cp, 'web');
  t.is(slices.length, 1);
  const s = slices[0];
  if (s === undefined) return t.fail();
  t.regex(s.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
  t.is(s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
  t.deepEqual(s.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]), [['Service', 'web', svc.metadata.uid, true]]);
  t.deepEqual(s['ports'] as EndpointPort[], [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  const pods = podsOf(cp, 'web');
  t.is(pods.length, 3, 'the Deployment\'s three pods');
  t.is(eps(s).length, 3);
  t.deepEqual(
    eps(s).map((e) => e.targetRef?.name).sort(),
    pods.map((p) => p.metadata.name).sort(),
  );
  for (const e of eps(s)) {
    const pod = pods.find((p) => p.metadata.name === e.targetRef?.name);
    t.deepEqual(e.addresses, [String((pod?.['status'] as { podIP?: string }).podIP)]);
    t.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
    t.is(e.nodeName, String((pod?.['spec'] as { nodeName?: string }).nodeName));
  }
});

test('readiness gates endpoints: a pod failing its probe is ready=false, serving=false; a terminating pod is terminating', async (t) => {
  const { cp } = await cluster(1);
  await cp.api.create(R.deployments, 'default', deployment('web', 2));
  await cp.api.create(R.services, 'default', { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
  await cp.settle();
  const [a] = podsOf(cp, 'web');
  const name = a?.metadata.name ?? '';
  await cp.api.patch(R.pods, 'default', name, 'merge', { metadata: { annotations: { 'kubewire.io/readiness': 'fail' } } });
  await cp.settle();
  const e = eps(slicesOf(cp, 'web')[0] ?? { apiVersion: '', kind: '', metadata: {} }).find((x) => x.targetRef?.name === name);
  t.deepEqual(e?.conditions, { ready: false, serving: false, terminating: false });
  // A failed node leaves its pods terminating; here the kubelet is stopped before the delete.
  cp.failNode('node-1');
  await cp.api.patch(R.pods, 'default', name, 'merge', { metadata: { annotations: { 'kubewire.io/readiness': 'pass' } } });
  await cp.api.delete(R.pods, 'default', name);
  await cp.settle();
  const e2 = eps(slicesOf(cp, 'web')[0] ?? { apiVersion: '', kind: '', metadata: {} }).find((x) => x.targetRef?.name === name);
  t.deepEqual(e2?.conditions, { ready: false, serving: false, terminating: true });
});

test('at most 100 endpoints a slice; a Service without endpoints keeps one empty slice; deleting the Service removes its slices', async (t) => {
  const { cp } = await cluster(3, { cpu: '64' });
  await cp.api.create(R.deployments, 'default', deployment('big', 230));
  await cp.api.create(R.services, 'default', { metadata: { name: 'big' }, spec: { selector: { app: 'big' }, ports: [{ port: 80 }] } });
  await cp.api.create(R.services, 'default', { metadata: { name: 'empty' }, spec: { selector: { app: 'nothing' }, ports: [{ port: 80 }] } });
  await cp.settle();
  const sizes = slicesOf(cp, 'big').map((s) => eps(s).length).sort((a, b) => b - a);
  t.deepEqual(sizes, [MAX_ENDPOINTS_PER_SLICE, MAX_ENDPOINTS_PER_SLICE, 30]);
  const empty = slicesOf(cp, 'empty');
  t.is(empty.length, 1);
  t.deepEqual([eps(empty[0] ?? { apiVersion: '', kind: '', metadata: {} }), empty[0]?.['ports']], [[], []]);
  // Scaling down keeps endpoints where they are: no slice is rewritten beyond the ones losing pods.
  await cp.api.patch(R.deployments, 'default', 'big', 'merge', { spec: { replicas: 150 } });
  await cp.settle();
  t.is(slicesOf(cp, 'big').reduce((n, s) => n + eps(s).length, 0), 150);
  t.true(slicesOf(cp, 'big').every((s) => eps(s).length <= MAX_ENDPOINTS_PER_SLICE));
  await cp.api.delete(R.services, 'default', 'big');
  await cp.settle();
  t.is(slicesOf(cp, 'big').length, 0);
});

test('pods whose named port resolves differently land in different slices', async (t) => {
  const { cp } = await cluster(1);
  for (const [name, port] of [['a', 8080], ['b', 9090]] as const) {
    await cp.api.create(R.pods, 'default', { metadata: { name, labels: { app: 'mixed' } }, spec: { containers: [{ name: 'c', image: 'x:1', ports: [{ name: 'http', containerPort: port }] }] } });
  }
  await cp.api.create(R.services, 'default', { metadata: { name: 'mixed' }, spec: { selector: { app: 'mixed' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } });
  await cp.settle();
  const got = slicesOf(cp, 'mixed').map((s) => `${(s['ports'] as EndpointPort[])[0]?.port ?? ''}:${eps(s).map((e) => e.targetRef?.name).join(',')}`).sort();
  t.deepEqual(got, ['8080:a', '9090:b']);
});

test('a pod relabelled out of a two-label selector leaves the Service\'s slice even though it still matches one of the labels', async (t) => {
  const { cp } = await cluster(1);
  await cp.api.create(R.pods, 'default', {
    metadata: { name: 'solo', labels: { app: 'web', tier: 'front' } },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080 }] }] },
  });
  await cp.api.create(R.services, 'default', { metadata: { name: 'front' }, spec: { selector: { app: 'web', tier: 'front' }, ports: [{ port: 80, targetPort: 8080 }] } });
  await cp.settle();
  t.deepEqual(slicesOf(cp, 'front').flatMap(eps).map((e) => e.targetRef?.name), ['solo']);
  // The new labels still carry app=web (the Service is found through it, and no longer matches); only the
  // old labels match: the Service must be resynced from them.
  await cp.api.patch(R.pods, 'default', 'solo', 'merge', { metadata: { labels: { tier: 'back' } } });
  await cp.settle();
  t.deepEqual(slicesOf(cp, 'front').flatMap(eps), []);
});
