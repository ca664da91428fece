import test from 'ava';
import { readFileSync } from 'node:fs';
import { buildApp, type WatchTimers } from '../../src/server/index.js';
import { deployment, newApi, service } from '../apiserver/fixture.js';
import { pb } from './protobuf/pb-encode.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

async function setup(extra: { token?: string } = {}) {
  const { api, clock } = await newApi();
  let fire: (() => void) | undefined;
  const timers: WatchTimers = {
    setTimeout: (fn) => {
      fire = fn;
      return 1;
    },
    clearTimeout: () => undefined,
  };
  const app = buildApp({ api, clock, timers, ...extra });
  return { app, api, clock, fireTimeout: () => fire?.() };
}

test('discovery documents list resources with short names and subresources', async (t) => {
  const { app } = await setup();
  const v = (await app.inject('/version')).json<{ major: string; minor: string }>();
  t.deepEqual([v.major, v.minor], ['1', '32']);
  const core = (await app.inject('/api/v1')).json<{ resources: { name: string; shortNames?: string[]; group?: string; kind: string }[] }>();
  t.deepEqual(core.resources.find((r) => r.name === 'services')?.shortNames, ['svc']);
  t.deepEqual(core.resources.find((r) => r.name === 'pods/eviction')?.group, 'policy');
  const apps = (await app.inject('/apis/apps/v1')).json<{ resources: { name: string; kind: string; group?: string }[] }>();
  t.deepEqual(apps.resources.find((r) => r.name === 'deployments/scale'), { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  const groups = (await app.inject('/apis')).json<{ groups: { name: string }[] }>();
  // Every group listed serves at least one resource (client-go refuses an empty group version).
  t.deepEqual(groups.groups.map((g) => g.name), ['apps', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io']);
  for (const g of groups.groups) {
    const list = (await app.inject(`/apis/${g.name}/v1`)).json<{ resources: unknown[] }>();
    t.true(list.resources.length > 0, g.name);
  }
});

test('create, get, list, patch, delete through the REST paths', async (t) => {
  const { app } = await setup();
  const created = await app.inject({ method: 'POST', url: '/apis/apps/v1/namespaces/default/deployments', payload: deployment() });
  t.is(created.statusCode, 201);
  const got = await app.inject('/apis/apps/v1/namespaces/default/deployments/web');
  t.is(got.json<{ metadata: { name: string } }>().metadata.name, 'web');
  const all = await app.inject('/apis/apps/v1/deployments');
  t.is(all.json<{ kind: string; items: unknown[] }>().kind, 'DeploymentList');
  const patched = await app.inject({
    method: 'PATCH',
    url: '/apis/apps/v1/namespaces/default/deployments/web',
    headers: { 'content-type': 'application/strategic-merge-patch+json' },
    payload: { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.28' }] } } } },
  });
  t.is(patched.statusCode, 200);
  t.is(patched.json<{ metadata: { generation: number } }>().metadata.generation, 2);
  const del = await app.inject({ method: 'DELETE', url: '/apis/apps/v1/namespaces/default/deployments/web' });
  t.is(del.statusCode, 200);
  t.is((await app.inject('/apis/apps/v1/namespaces/default/deployments/web')).statusCode, 404);
});

test('errors are Kubernetes Status objects: 422 with causes, 404, 409, 415, 400', async (t) => {
  const { app } = await setup();
  const bad = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/services', payload: service('web', { ports: [{ port: 99999 }] }) });
  t.is(bad.statusCode, 422);
  t.like(bad.json(), {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    reason: 'Invalid',
    code: 422,
    details: { name: 'web', kind: 'Service', causes: [{ reason: 'FieldValueInvalid', field: 'spec.ports[0].port', message: 'Invalid value: 99999: must be between 1 and 65535, inclusive' }] },
  });
  t.is((await app.inject('/api/v1/namespaces/default/services')).json<{ items: unknown[] }>().items.length, 0, 'nothing stored');
  t.like((await app.inject('/api/v1/namespaces/default/pods/none')).json(), { code: 404, reason: 'NotFound', message: 'pods "none" not found', details: { name: 'none', kind: 'pods' } });
  t.is((await app.inject('/api/v1/nothing')).statusCode, 404);
  await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/services', payload: service() });
  const dup = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/services', payload: service() });
  t.like(dup.json(), { code: 409, reason: 'AlreadyExists' });
  const stale = await app.inject({ method: 'PUT', url: '/api/v1/namespaces/default/services/web', payload: { ...service(), metadata: { name: 'web', resourceVersion: '1' } } });
  t.like(stale.json(), { code: 409, reason: 'Conflict' });
  const text = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/services', headers: { 'content-type': 'text/plain' }, payload: 'web' });
  t.like(text.json(), {
    code: 415,
    reason: 'UnsupportedMediaType',
    message: 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got text/plain)',
  });
  const proto = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/services', headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, payload: 'k8s\u0000' });
  t.like(proto.json(), { code: 400, reason: 'BadRequest', message: 'the request body is not valid Kubernetes protobuf: the runtime.Unknown envelope names no apiVersion and kind' });
  const wrongNs = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/services', payload: { ...service('x'), metadata: { name: 'x', namespace: 'other' } } });
  t.like(wrongNs.json(), { code: 400, message: 'the namespace of the provided object does not match the namespace sent on the request' });
  const badSel = await app.inject('/api/v1/pods?labelSelector=a%20in%20(');
  t.is(badSel.statusCode, 400);
});

test('Table responses carry the kubectl columns, -o wide ones at priority 1', async (t) => {
  const { app, clock } = await setup();
  await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/services', payload: service('web', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080 }] }) });
  clock.advance(90_000);
  const res = await app.inject({ url: '/api/v1/namespaces/default/services', headers: { accept: TABLE } });
  const table = res.json<{ kind: string; columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[]; object: { kind: string; metadata: { name: string } } }[] }>();
  t.is(table.kind, 'Table');
  t.deepEqual(table.columnDefinitions.map((c) => `${c.name}:${c.priority}`), ['Name:0', 'Type:0', 'Cluster-IP:0', 'External-IP:0', 'Port(s):0', 'Age:0', 'Selector:1']);
  t.deepEqual(table.rows[0]?.cells, ['web', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP', '90s', 'app=web']);
  t.is(table.rows[0]?.object.kind, 'PartialObjectMetadata');
  await app.inject({ method: 'POST', url: '/apis/apps/v1/namespaces/default/deployments', payload: deployment() });
  const d = (await app.inject({ url: '/apis/apps/v1/namespaces/default/deployments/web', headers: { accept: TABLE } })).json<{ rows: { cells: unknown[] }[] }>();
  t.deepEqual(d.rows[0]?.cells, ['web', '0/2', 0, 0, '0s', 'main', 'nginx:1.27', 'app=web']);
});

test('scale subresource over HTTP answers an autoscaling/v1 Scale', async (t) => {
  const { app } = await setup();
  await app.inject({ method: 'POST', url: '/apis/apps/v1/namespaces/default/deployments', payload: deployment() });
  const res = await app.inject({
    method: 'PATCH',
    url: '/apis/apps/v1/namespaces/default/deployments/web/scale',
    headers: { 'content-type': 'application/merge-patch+json' },
    payload: { spec: { replicas: 5 } },
  });
  t.like(res.json(), { kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 5 }, status: { selector: 'app=web' } });
});

test('server-side apply with application/apply-patch+yaml creates (201) then updates (200)', async (t) => {
  const { app } = await setup();
  const yaml = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n';
  const url = '/api/v1/namespaces/default/services/web?fieldManager=kubectl&force=false';
  const headers = { 'content-type': 'application/apply-patch+yaml' };
  t.is((await app.inject({ method: 'PATCH', url, headers, payload: yaml })).statusCode, 201);
  const second = await app.inject({ method: 'PATCH', url, headers, payload: yaml.replace('{app: web}', '{app: web2}') });
  t.is(second.statusCode, 200);
  t.like(second.json(), { spec: { selector: { app: 'web2' } } });
});

test('watch streams newline-delimited events until timeoutSeconds', async (t) => {
  const { app, api, fireTimeout } = await setup();
  const rv = api.store.currentResourceVersion();
  const pending = app.inject(`/apis/apps/v1/namespaces/default/deployments?watch=true&resourceVersion=${rv}&timeoutSeconds=30`);
  await new Promise((resolve) => setImmediate(resolve));
  await app.inject({ method: 'POST', url: '/apis/apps/v1/namespaces/default/deployments', payload: deployment() });
  await app.inject({ method: 'PATCH', url: '/apis/apps/v1/namespaces/default/deployments/web', headers: { 'content-type': 'application/merge-patch+json' }, payload: { spec: { replicas: 3 } } });
  await app.inject({ method: 'DELETE', url: '/apis/apps/v1/namespaces/default/deployments/web' });
  fireTimeout();
  const res = await pending;
  const events = res.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; object: { spec: { replicas: number } } });
  t.deepEqual(events.map((e) => `${e.type}:${e.object.spec.replicas}`), ['ADDED:2', 'MODIFIED:3', 'DELETED:3']);
});

test('a watch from a compacted version reports a 410 Expired ERROR event', async (t) => {
  const { app } = await setup();
  const res = await app.inject('/api/v1/pods?watch=true&resourceVersion=abc');
  const ev = JSON.parse(res.body.trim()) as { type: string; object: { code: number; reason: string } };
  t.deepEqual([ev.type, ev.object.code, ev.object.reason], ['ERROR', 410, 'Expired']);
});

test('bearer token: 401 without it, 200 with it', async (t) => {
  const { app } = await setup({ token: 's3cret' });
  const no = await app.inject('/api/v1/namespaces');
  t.like(no.json(), { code: 401, reason: 'Unauthorized' });
  const wrong = await app.inject({ url: '/api/v1/namespaces', headers: { authorization: 'Bearer nope' } });
  t.is(wrong.statusCode, 401);
  const ok = await app.inject({ url: '/api/v1/namespaces', headers: { authorization: 'Bearer s3cret' } });
  t.is(ok.statusCode, 200);
});

test('kubewire routes answer 501 without services, and call them when injected', async (t) => {
  const { app } = await setup();
  t.like((await app.inject({ method: 'POST', url: '/kubewire/v1/trace', payload: { from: 'a', to: 'b' } })).json(), { code: 501, reason: 'NotImplemented' });
  t.is((await app.inject('/kubewire/v1/nodes/n1/rules')).statusCode, 501);
  const { api, clock } = await newApi();
  const calls: unknown[] = [];
  const app2 = buildApp({
    api,
    clock,
    trace: { trace: async (req) => (calls.push(req), { paths: [] }) },
    rules: { rules: async (node, format) => (node === 'n1' ? `# ${format ?? 'json'} rules of ${node}\n` : undefined) },
  });
  const tr = await app2.inject({ method: 'POST', url: '/kubewire/v1/trace', payload: { from: 'default/a', to: '10.96.0.10', port: 80, protocol: 'TCP' } });
  t.deepEqual(tr.json(), { paths: [] });
  t.deepEqual(calls, [{ from: 'default/a', to: '10.96.0.10', port: 80, protocol: 'TCP' }]);
  t.is((await app2.inject({ method: 'POST', url: '/kubewire/v1/trace', payload: { from: 'a' } })).statusCode, 400);
  const rules = await app2.inject('/kubewire/v1/nodes/n1/rules?format=iptables-save');
  t.is(rules.body, '# iptables-save rules of n1\n');
  t.regex(String(rules.headers['content-type']), /^text\/plain/);
  t.is((await app2.inject('/kubewire/v1/nodes/n9/rules')).statusCode, 404);
});

test('openapi v3 advertises fieldValidation on PATCH, without strategic merge (kubectl then uses its built-in types)', async (t) => {
  const { app } = await setup();
  const root = (await app.inject('/openapi/v3')).json<{ paths: Record<string, { serverRelativeURL: string }> }>();
  const url = root.paths['apis/apps/v1']?.serverRelativeURL ?? '';
  const doc = (await app.inject(url)).json<{ paths: Record<string, { patch?: { parameters: { name: string }[]; requestBody: { content: Record<string, unknown> } } }> }>();
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.patch;
  t.true(patch?.parameters.some((p) => p.name === 'fieldValidation'));
  t.false(Object.keys(patch?.requestBody.content ?? {}).includes('application/strategic-merge-patch+json'));
});

test('a protobuf create (the bytes kubectl create deployment sent) is stored as its JSON twin; an undecodable one stores nothing', async (t) => {
  const { app } = await setup();
  const fixture = JSON.parse(readFileSync(new URL('protobuf/fixtures/kubectl-create.json', import.meta.url), 'utf8')) as { cases: { command: string; protobuf: string }[] };
  const body = Buffer.from(fixture.cases.find((c) => c.command.includes('create deployment web'))?.protobuf ?? '', 'base64');
  const headers = { 'content-type': 'application/vnd.kubernetes.protobuf', accept: 'application/vnd.kubernetes.protobuf,application/json' };
  const created = await app.inject({ method: 'POST', url: '/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create&fieldValidation=Strict', headers, payload: body });
  t.is(created.statusCode, 201, created.body);
  t.regex(String(created.headers['content-type']), /^application\/json/);
  type Dep = { metadata: { name: string; labels: Record<string, string> }; spec: { replicas: number; template: { spec: { containers: { name: string; image: string; ports: { containerPort: number; protocol: string }[] }[] } } } };
  const got = (await app.inject('/apis/apps/v1/namespaces/default/deployments/web')).json<Dep>();
  t.is(got.metadata.name, 'web');
  t.deepEqual(got.metadata.labels, { app: 'web' });
  t.is(got.spec.replicas, 3);
  t.like(got.spec.template.spec.containers[0], { name: 'nginx', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }] });

  // ephemeralContainers (PodSpec field 34) is not decoded: the whole create is refused.
  const withEphemeral = Buffer.concat([Buffer.from('k8s\u0000', 'latin1'), pb([[1, [[1, 'v1'], [2, 'Pod']]], [2, [[1, [[1, 'dbg']]], [2, [[34, [[1, [[1, 'debug']]]]]]]]]])]);
  const refused = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods', headers, payload: withEphemeral });
  t.like(refused.json(), { kind: 'Status', code: 415, reason: 'UnsupportedMediaType' });
  t.regex(refused.json<{ message: string }>().message, /field number 34 of core\/v1 PodSpec/);
  t.is((await app.inject('/api/v1/namespaces/default/pods/dbg')).statusCode, 404, 'nothing stored');
  const patch = await app.inject({ method: 'PATCH', url: '/apis/apps/v1/namespaces/default/deployments/web', headers, payload: body });
  t.is(patch.statusCode, 415);
});

test('a resource this server does not serve is a 404 under a namespace too, not a namespace subresource', async (t) => {
  const { app } = await setup();
  const post = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/limitranges', payload: { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'c' } } });
  t.like(post.json(), { kind: 'Status', code: 404, reason: 'NotFound' });
  t.is((await app.inject('/api/v1/namespaces/default/limitranges')).statusCode, 404);
  // The namespace's own status is still its subresource.
  t.is((await app.inject('/api/v1/namespaces/default/status')).statusCode, 200);
});

test('ServiceAccounts, Roles and bindings print as kubectl shows them: secrets count, Role/name with -o wide subjects, a Role its creation time', async (t) => {
  const { app, clock } = await setup();
  const post = async (url: string, payload: unknown): Promise<void> => {
    const res = await app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });
    t.is(res.statusCode, 201, res.body);
  };
  await post('/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'builder' } });
  await post('/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', { metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] });
  await post('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
    metadata: { name: 'read-pods' },
    roleRef: { kind: 'Role', name: 'reader' },
    subjects: [{ kind: 'User', name: 'alice' }, { kind: 'User', name: 'bob' }, { kind: 'ServiceAccount', name: 'builder', namespace: 'default' }],
  });
  clock.advance(60_000);
  type Table = { columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[] }[] };
  const get = async (url: string): Promise<Table> => (await app.inject({ url, headers: { accept: TABLE } })).json<Table>();
  const sa = await get('/api/v1/namespaces/default/serviceaccounts/builder');
  t.deepEqual(sa.columnDefinitions.map((c) => c.name), ['Name', 'Secrets', 'Age']);
  t.deepEqual(sa.rows[0]?.cells, ['builder', 0, '60s']);
  const rb = await get('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/read-pods');
  t.deepEqual(rb.columnDefinitions.map((c) => `${c.name}:${c.priority}`), ['Name:0', 'Role:0', 'Age:0', 'Users:1', 'Groups:1', 'ServiceAccounts:1']);
  t.deepEqual(rb.rows[0]?.cells, ['read-pods', 'Role/reader', '60s', 'alice, bob', '', 'default:builder']);
  const role = await get('/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/reader');
  t.deepEqual(role.columnDefinitions.map((c) => c.name), ['Name', 'Created At']);
  t.deepEqual(role.rows[0]?.cells, ['reader', '2025-01-01T00:00:00Z']);
});

test('kubectl auth can-i: a SelfSubjectAccessReview is answered allowed (the server authorizes every request), a review naming nothing is 422', async (t) => {
  const { app } = await setup();
  const url = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
  const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } } };
  const ok = await app.inject({ method: 'POST', url, payload: review });
  t.is(ok.statusCode, 201);
  t.like(ok.json(), { kind: 'SelfSubjectAccessReview', spec: review.spec, status: { allowed: true } });
  // Protobuf, as kubectl's typed client sends it: {typeMeta, raw: {spec: {resourceAttributes: {verb: get, resource: pods}}}}.
  const bytes = Buffer.concat([Buffer.from('k8s\u0000', 'latin1'), pb([[1, [[1, 'authorization.k8s.io/v1'], [2, 'SelfSubjectAccessReview']]], [2, [[1, []], [2, [[1, [[2, 'get'], [5, 'pods']]]]]]]])]);
  const viaPb = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, payload: bytes });
  t.is(viaPb.statusCode, 201, viaPb.body);
  t.like(viaPb.json(), { spec: { resourceAttributes: { verb: 'get', resource: 'pods' } }, status: { allowed: true } });
  const none = await app.inject({ method: 'POST', url, payload: { spec: {} } });
  t.is(none.statusCode, 422);
  t.is(none.json<{ message: string }>().message, 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
});
