import test from 'ava';
import { applyJsonPatch, isApiError, jsonMergePatch, strategicMergePatch } from '../../src/apiserver/index.js';
import { patchSchemaFor } from '../../src/apiserver/patch/index.js';

const deploy = {
  metadata: { name: 'web', labels: { app: 'web', tier: 'front' }, finalizers: ['a'] },
  spec: {
    replicas: 2,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      spec: {
        containers: [
          { name: 'app', image: 'app:1', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }] },
          { name: 'sidecar', image: 'proxy:1' },
        ],
        tolerations: [{ key: 'x', operator: 'Exists' }],
      },
    },
  },
};
const smp = (patch: unknown): unknown => strategicMergePatch(deploy, patch, patchSchemaFor('Deployment'));

test('containers merge by name: one image changes, the other container stays', (t) => {
  const out = smp({ spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'proxy:2' }] } } } }) as typeof deploy;
  t.deepEqual(out.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`), ['app=app:1', 'sidecar=proxy:2']);
  t.deepEqual(out.spec.template.spec.containers[0]?.ports, [{ containerPort: 80, protocol: 'TCP' }]);
});

test('ports merge by containerPort and env by name', (t) => {
  const out = smp({
    spec: { template: { spec: { containers: [{ name: 'app', ports: [{ containerPort: 443 }], env: [{ name: 'A', value: '2' }, { name: 'B', value: '3' }] }] } } },
  }) as typeof deploy;
  const app = out.spec.template.spec.containers[0];
  t.deepEqual(app?.ports, [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }]);
  t.deepEqual(app?.env, [{ name: 'A', value: '2' }, { name: 'B', value: '3' }]);
});

test('$patch: delete removes a keyed element; null removes a field', (t) => {
  const out = smp({ metadata: { labels: { tier: null } }, spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } }) as typeof deploy;
  t.deepEqual(out.spec.template.spec.containers.map((c) => c.name), ['app']);
  t.deepEqual(out.metadata.labels, { app: 'web' });
});

test('lists without a merge key are replaced (tolerations are atomic)', (t) => {
  const out = smp({ spec: { template: { spec: { tolerations: [{ key: 'y', operator: 'Exists' }] } } } }) as typeof deploy;
  t.deepEqual(out.spec.template.spec.tolerations, [{ key: 'y', operator: 'Exists' }]);
});

test('$setElementOrder orders a merged list as kubectl apply asks', (t) => {
  const out = smp({ spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }] } } } }) as typeof deploy;
  t.deepEqual(out.spec.template.spec.containers.map((c) => c.name), ['sidecar', 'app']);
});

test('$retainKeys on the deployment strategy drops rollingUpdate when switching to Recreate', (t) => {
  const out = smp({ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } }) as typeof deploy;
  t.deepEqual(out.spec.strategy, { type: 'Recreate' });
});

test('finalizers merge as a set; $deleteFromPrimitiveList removes', (t) => {
  t.deepEqual((smp({ metadata: { finalizers: ['b', 'a'] } }) as typeof deploy).metadata.finalizers, ['a', 'b']);
  t.deepEqual((smp({ metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }) as typeof deploy).metadata.finalizers, []);
});

test('$patch: replace on a map replaces it whole', (t) => {
  const out = smp({ metadata: { labels: { $patch: 'replace', only: 'this' } } }) as typeof deploy;
  t.deepEqual(out.metadata.labels, { only: 'this' });
});

test('a keyed element without its merge key is a 400', (t) => {
  const e = t.throws(() => smp({ spec: { template: { spec: { containers: [{ image: 'x' }] } } } }));
  t.true(isApiError(e) && e.status.code === 400);
});

test('JSON merge patch (RFC 7386): lists replace, null deletes', (t) => {
  t.deepEqual(jsonMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] }), { a: { c: 2, d: 3 }, l: [3] });
});

test('JSON patch (RFC 6902): add, replace, remove, move, copy, test', (t) => {
  const doc = { spec: { replicas: 1, l: ['a', 'b'] }, metadata: { labels: { 'a/b': 'x' } } };
  const out = applyJsonPatch(doc, [
    { op: 'replace', path: '/spec/replicas', value: 3 },
    { op: 'add', path: '/spec/l/-', value: 'c' },
    { op: 'add', path: '/spec/l/0', value: 'z' },
    { op: 'remove', path: '/metadata/labels/a~1b' },
    { op: 'copy', from: '/spec/replicas', path: '/spec/copy' },
    { op: 'move', from: '/spec/copy', path: '/spec/moved' },
    { op: 'test', path: '/spec/moved', value: 3 },
  ]);
  t.deepEqual(out, { spec: { replicas: 3, l: ['z', 'a', 'b', 'c'], moved: 3 }, metadata: { labels: {} } });
  t.deepEqual(doc.spec.l, ['a', 'b'], 'the input is not modified');
  const failed = t.throws(() => applyJsonPatch(doc, [{ op: 'test', path: '/spec/replicas', value: 2 }]));
  t.true(isApiError(failed) && failed.status.code === 422);
  t.throws(() => applyJsonPatch(doc, [{ op: 'replace', path: '/spec/nothing', value: 1 }]));
});
