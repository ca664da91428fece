import test from 'ava';
import { ApiServer, isApiError, getScale, updateScale, patchScale, bindPod, evictPod, rngIds, startNamespaceFinalizer, type ApiError, type ObjectStore } from '../../src/apiserver/index.js';
import { Rng } from '../../src/lib/index.js';
import { getPath } from '../../src/api/index.js';
import { deployment, newApi, pod, R, service } from './fixture.js';

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (isApiError(e)) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

test('create stamps uid, resourceVersion, creationTimestamp, generation, and defaults', async (t) => {
  const { api } = await newApi();
  const d = await api.create(R.deploy, 'default', deployment());
  t.regex(d.metadata.uid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.is(d.metadata.creationTimestamp, '2025-01-01T00:00:00Z');
  t.is(d.metadata.generation, 1);
  t.is(d.metadata.namespace, 'default');
  t.deepEqual(getPath(d, ['spec', 'strategy']), { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  t.is(getPath(d, ['spec', 'revisionHistoryLimit']), 10);
  t.is(getPath(d, ['spec', 'template', 'spec', 'restartPolicy']), 'Always');
  t.is(getPath(d, ['spec', 'template', 'spec', 'containers', '0', 'ports', '0', 'protocol']), 'TCP');
  const s = await api.create(R.svc, 'default', service('web', { ports: [{ port: 80 }] }));
  t.deepEqual(getPath(s, ['spec', 'ports']), [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  t.is(getPath(s, ['spec', 'type']), 'ClusterIP');
  t.is(getPath(s, ['spec', 'sessionAffinity']), 'None');
});

test('a host-network pod\'s ports get hostPort = containerPort (a Deployment\'s template keeps none)', async (t) => {
  const { api } = await newApi();
  const spec = { hostNetwork: true, containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 9100 }, { containerPort: 53, hostPort: 5353, protocol: 'UDP' }] }] };
  const p = await api.create(R.pod, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'agent' }, spec });
  t.deepEqual(getPath(p, ['spec', 'containers', '0', 'ports']), [{ containerPort: 9100, protocol: 'TCP', hostPort: 9100 }, { containerPort: 53, hostPort: 5353, protocol: 'UDP' }]);
  const d = await api.create(R.deploy, 'default', { ...deployment(), spec: { ...(deployment()['spec'] as object), template: { metadata: { labels: { app: 'web' } }, spec } } });
  t.is(getPath(d, ['spec', 'template', 'spec', 'containers', '0', 'ports', '0', 'hostPort']), undefined);
});

test('a Pod\'s container with a limit but no request for a resource requests its limit (a template keeps its own)', async (t) => {
  const { api } = await newApi();
  const resources = { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '500m' } };
  const spec = { containers: [{ name: 'c', image: 'x', resources }], initContainers: [{ name: 'i', image: 'x', resources: { limits: { cpu: '1' } } }] };
  const p = await api.create(R.pod, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'capped' }, spec });
  t.deepEqual(getPath(p, ['spec', 'containers', '0', 'resources', 'requests']), { cpu: '500m', memory: '1Gi' });
  t.deepEqual(getPath(p, ['spec', 'initContainers', '0', 'resources', 'requests']), { cpu: '1' });
  const d = await api.create(R.deploy, 'default', { ...deployment(), spec: { ...(deployment()['spec'] as object), template: { metadata: { labels: { app: 'web' } }, spec } } });
  t.deepEqual(getPath(d, ['spec', 'template', 'spec', 'containers', '0', 'resources', 'requests']), { cpu: '500m' });
});

test('a new Pod\'s QoS class is the real server\'s: BestEffort, Burstable, or Guaranteed when limits cover cpu and memory and requests equal them', async (t) => {
  const { api } = await newApi();
  const qos = async (name: string, ...resources: object[]) =>
    getPath(await api.create(R.pod, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: resources.map((r, i) => ({ name: `c${i}`, image: 'x', resources: r })) } }), ['status', 'qosClass']);
  t.is(await qos('none', {}), 'BestEffort');
  t.is(await qos('zero', { requests: { cpu: '0' } }), 'BestEffort');
  t.is(await qos('req', { requests: { cpu: '100m' } }), 'Burstable');
  // Requests default to limits, so limits alone are Guaranteed.
  t.is(await qos('lim', { limits: { cpu: '1', memory: '1Gi' } }), 'Guaranteed');
  t.is(await qos('sum', { limits: { cpu: '100m', memory: '64Mi' }, requests: { cpu: '0.1' } }, { limits: { cpu: '200m', memory: '64Mi' } }), 'Guaranteed');
  t.is(await qos('less', { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } }), 'Burstable');
  t.is(await qos('cpu-only', { limits: { cpu: '1' } }), 'Burstable');
});

test('an invalid object is a 422 whose causes name the fields, and nothing is stored', async (t) => {
  const { api, store } = await newApi();
  const before = store.currentResourceVersion();
  const bad = service('web', { ports: [{ port: 0, name: 'a' }, { port: 80 }] });
  const e = await apiError(api.create(R.svc, 'default', bad));
  t.is(e.status.code, 422);
  t.is(e.status.reason, 'Invalid');
  t.is(e.status.details?.kind, 'Service');
  t.deepEqual(
    e.status.details?.causes?.map((c) => [c.reason, c.field]),
    [
      ['FieldValueInvalid', 'spec.ports[0].port'],
      // targetPort defaults to port, so it is 0 too: the real server reports both.
      ['FieldValueInvalid', 'spec.ports[0].targetPort'],
      ['FieldValueRequired', 'spec.ports[1].name'],
    ],
  );
  t.is(
    e.status.message,
    'Service "web" is invalid: [spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive, spec.ports[1].name: Required value]',
  );
  t.is(store.currentResourceVersion(), before);
  t.is((await api.list(R.svc, 'default')).items.length, 0);
});

test('409 AlreadyExists, 404 NotFound, and a missing namespace', async (t) => {
  const { api } = await newApi();
  await api.create(R.pod, 'default', pod());
  const dup = await apiError(api.create(R.pod, 'default', pod()));
  t.is(dup.status.code, 409);
  t.is(dup.status.reason, 'AlreadyExists');
  t.is(dup.status.message, 'pods "p1" already exists');
  const nf = await apiError(api.get(R.deploy, 'default', 'nope'));
  t.is(nf.status.code, 404);
  t.is(nf.status.message, 'deployments.apps "nope" not found');
  const nons = await apiError(api.create(R.pod, 'ghost', pod()));
  t.is(nons.status.message, 'namespaces "ghost" not found');
});

test('update with a stale resourceVersion is a 409 Conflict and changes nothing', async (t) => {
  const { api } = await newApi();
  const v1 = await api.create(R.deploy, 'default', deployment());
  const v2 = await api.update(R.deploy, 'default', 'web', { ...v1, spec: { ...(v1['spec'] as object), replicas: 3 } });
  t.not(v2.metadata.resourceVersion, v1.metadata.resourceVersion);
  const e = await apiError(api.update(R.deploy, 'default', 'web', { ...v1, spec: { ...(v1['spec'] as object), replicas: 9 } }));
  t.is(e.status.code, 409);
  t.is(e.status.message, 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again');
  t.is(getPath(await api.get(R.deploy, 'default', 'web'), ['spec', 'replicas']), 3);
});

test('generation counts spec changes only; a no-op update keeps the resourceVersion', async (t) => {
  const { api } = await newApi();
  const v1 = await api.create(R.deploy, 'default', deployment());
  const same = await api.update(R.deploy, 'default', 'web', v1);
  t.is(same.metadata.resourceVersion, v1.metadata.resourceVersion);
  const labelled = await api.patch(R.deploy, 'default', 'web', 'merge', { metadata: { labels: { extra: 'x' } } });
  t.is(labelled.metadata.generation, 1);
  const scaled = await api.patch(R.deploy, 'default', 'web', 'merge', { spec: { replicas: 5 } });
  t.is(scaled.metadata.generation, 2);
  t.is(scaled.metadata.uid, v1.metadata.uid);
  t.is(scaled.metadata.creationTimestamp, v1.metadata.creationTimestamp);
});

test('status subresource: the main resource ignores status, /status ignores spec', async (t) => {
  const { api } = await newApi();
  await api.create(R.deploy, 'default', deployment());
  const a = await api.patch(R.deploy, 'default', 'web', 'merge', { status: { replicas: 7 }, spec: { replicas: 4 } });
  t.is(getPath(a, ['status', 'replicas']), undefined);
  t.is(getPath(a, ['spec', 'replicas']), 4);
  const b = await api.patch(R.deploy, 'default', 'web', 'merge', { status: { replicas: 7 }, spec: { replicas: 1 } }, { subresource: 'status' });
  t.is(getPath(b, ['status', 'replicas']), 7);
  t.is(getPath(b, ['spec', 'replicas']), 4);
});

test('scale subresource reads and writes spec.replicas with the selector in status', async (t) => {
  const { api } = await newApi();
  await api.create(R.deploy, 'default', deployment());
  const s = await getScale(api, R.deploy, 'default', 'web');
  t.deepEqual([s.kind, s.apiVersion, s.spec.replicas, s.status.selector], ['Scale', 'autoscaling/v1', 2, 'app=web']);
  await patchScale(api, R.deploy, 'default', 'web', 'merge', { spec: { replicas: 6 } });
  t.is(getPath(await api.get(R.deploy, 'default', 'web'), ['spec', 'replicas']), 6);
  const stale = await apiError(updateScale(api, R.deploy, 'default', 'web', { ...s, spec: { replicas: 1 } }));
  t.is(stale.status.code, 409);
  const neg = await apiError(patchScale(api, R.deploy, 'default', 'web', 'merge', { spec: { replicas: -1 } }));
  t.is(neg.status.details?.causes?.[0]?.field, 'spec.replicas');
});

test('pods: bound pods are deleted gracefully, unbound ones at once; binding sets nodeName once', async (t) => {
  const { api } = await newApi();
  await api.create(R.pod, 'default', pod('loose'));
  await api.delete(R.pod, 'default', 'loose');
  t.is((await api.list(R.pod, 'default')).items.length, 0);
  await api.create(R.pod, 'default', pod('bound'));
  await bindPod(api, 'default', 'bound', { target: { name: 'node-a' } });
  const again = await apiError(bindPod(api, 'default', 'bound', { target: { name: 'node-b' } }));
  t.is(again.status.code, 409);
  const marked = await api.delete(R.pod, 'default', 'bound');
  t.is(marked.metadata.deletionTimestamp, '2025-01-01T00:00:30Z');
  t.is(marked.metadata.deletionGracePeriodSeconds, 30);
  t.is((await api.list(R.pod, 'default')).items.length, 1);
  // The kubelet confirms with grace 0 (this is also what `kubectl delete --force --grace-period=0` sends).
  await api.delete(R.pod, 'default', 'bound', { gracePeriodSeconds: 0 });
  t.is((await api.list(R.pod, 'default')).items.length, 0);
});

test('eviction deletes the pod (no PodDisruptionBudgets)', async (t) => {
  const { api } = await newApi();
  await api.create(R.pod, 'default', pod('p'));
  const st = await evictPod(api, 'default', 'p', { deleteOptions: {} });
  t.is(st.code, 201);
  t.is((await api.list(R.pod, 'default')).items.length, 0);
});

test('pod spec is immutable except images', async (t) => {
  const { api } = await newApi();
  await api.create(R.pod, 'default', pod('p'));
  await api.patch(R.pod, 'default', 'p', 'strategic', { spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] } });
  const e = await apiError(api.patch(R.pod, 'default', 'p', 'merge', { spec: { hostNetwork: true } }));
  t.is(e.status.details?.causes?.[0]?.field, 'spec');
});

test('a namespace turns Terminating, refuses new content, then goes with its content', async (t) => {
  const { api } = await newApi();
  await api.create(R.ns, '', { metadata: { name: 'shop' } });
  await api.create(R.deploy, 'shop', deployment());
  const tasks: (() => void)[] = [];
  const w = startNamespaceFinalizer(api, (task) => tasks.push(task));
  const ns = await api.delete(R.ns, '', 'shop');
  t.is(getPath(ns, ['status', 'phase']), 'Terminating');
  const refused = await apiError(api.create(R.pod, 'shop', pod()));
  t.is(refused.status.code, 403);
  t.is((await api.list(R.deploy, 'shop')).items.length, 1);
  t.is(tasks.length, 1);
  tasks[0]?.();
  await new Promise((resolve) => setImmediate(resolve));
  t.is((await api.list(R.deploy, 'shop')).items.length, 0);
  t.is((await apiError(api.get(R.ns, '', 'shop'))).status.code, 404);
  w.stop();
});

test('a new namespace is Active even when the request carries an empty status (as kubectl create namespace sends)', async (t) => {
  const { api } = await newApi();
  const ns = await api.create(R.ns, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' }, spec: {}, status: {} });
  t.is(getPath(ns, ['status', 'phase']), 'Active');
  t.deepEqual(getPath(ns, ['spec', 'finalizers']), ['kubernetes']);
});

test('generateName appends a 5-character suffix', async (t) => {
  const { api } = await newApi();
  const p = await api.create(R.pod, 'default', { ...pod(), metadata: { generateName: 'web-' } });
  t.regex(p.metadata.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test('list filters by label and field selectors; a bad selector is a 400', async (t) => {
  const { api } = await newApi();
  await api.create(R.pod, 'default', pod('a'));
  await api.create(R.pod, 'default', { ...pod('b'), metadata: { name: 'b', labels: { app: 'db' } } });
  await bindPod(api, 'default', 'b', { target: { name: 'n1' } });
  t.deepEqual((await api.list(R.pod, '', { labelSelector: 'app in (db,cache)' })).items.map((p) => p.metadata.name), ['b']);
  t.deepEqual((await api.list(R.pod, '', { fieldSelector: 'spec.nodeName=n1' })).items.map((p) => p.metadata.name), ['b']);
  t.deepEqual((await api.list(R.pod, 'default', { fieldSelector: 'metadata.name!=b' })).items.map((p) => p.metadata.name), ['a']);
  t.is((await apiError(api.list(R.pod, '', { labelSelector: 'app in (' }))).status.code, 400);
  t.is((await apiError(api.list(R.pod, '', { fieldSelector: 'spec.image=x' }))).status.message.includes('field label not supported: spec.image'), true);
});

test('server-side apply creates, then merges keyed lists', async (t) => {
  const { api } = await newApi();
  const created = await api.patch(R.svc, 'default', 'web', 'apply', service('web', { ports: [{ name: 'http', port: 80 }] }));
  t.is(created.metadata.name, 'web');
  const merged = await api.patch(R.svc, 'default', 'web', 'apply', service('web', { ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443 }] }));
  t.deepEqual(getPath(merged, ['spec', 'ports']), [
    { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
    { name: 'https', port: 443, protocol: 'TCP', targetPort: 443 },
  ]);
});

test('over another ObjectStore than MemoryStore (every method forwarded), reads, updates and namespace checks behave the same', async (t) => {
  const { store, clock } = await newApi();
  // Every ObjectStore method forwarded: the API server may rely on nothing but the interface.
  const slow: ObjectStore = {
    get: (k) => store.get(k),
    list: (r, ns) => store.list(r, ns),
    create: (k, o, opts) => store.create(k, o, opts),
    update: (k, o, rv, opts) => store.update(k, o, rv, opts),
    delete: (k, rv) => store.delete(k, rv),
    watch: (o, l) => store.watch(o, l),
    currentResourceVersion: () => store.currentResourceVersion(),
  };
  const rng = new Rng(7);
  const api = new ApiServer({ store: slow, clock, ids: rngIds(rng), rng });
  const created = await api.create(R.pod, 'default', pod());
  t.is((await api.get(R.pod, 'default', 'p1')).metadata.uid, created.metadata.uid);
  const updated = await api.update(R.pod, 'default', 'p1', { ...created, status: { phase: 'Running' } }, { subresource: 'status' });
  t.is(getPath(updated, ['status', 'phase']), 'Running');
  t.is((await apiError(api.get(R.pod, 'default', 'nope'))).status.message, 'pods "nope" not found');
  t.is((await apiError(api.update(R.pod, 'default', 'nope', { ...created, metadata: { name: 'nope' } }))).status.code, 404);
  t.is((await apiError(api.create(R.pod, 'ghost', pod()))).status.message, 'namespaces "ghost" not found');
  await api.delete(R.ns, '', 'default');
  t.is((await apiError(api.create(R.pod, 'default', pod('p2')))).status.code, 403);
});
