import test from 'ava';
import { defaultObject, validateObject, type KubeObject, type ResourceType } from '../../src/api/index.js';
import { deployment, pod, R, service } from '../apiserver/fixture.js';

type Obj = Record<string, unknown>;

/** Sets (or, with undefined, deletes) the value at a dotted path; numeric parts index arrays. */
function set(o: Obj, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: unknown = o;
  for (const p of parts.slice(0, -1)) cur = (cur as Obj)[p];
  const last = parts[parts.length - 1] ?? '';
  if (value === undefined) delete (cur as Obj)[last];
  else (cur as Obj)[last] = value;
}

/** Validates an object as the API server would store it: defaulted, in namespace "default". */
function check(r: ResourceType, body: Obj, mutate: (o: Obj) => void): { field: string; reason: string; message: string }[] {
  const o = structuredClone(body) as KubeObject;
  if (r.namespaced) o.metadata.namespace = 'default';
  mutate(o);
  defaultObject(r, o);
  return validateObject(r, o).map((e) => ({ field: e.field, reason: e.reason, message: e.message }));
}

test('valid objects of every kind have no errors', (t) => {
  t.deepEqual(check(R.deploy, deployment(), () => {}), []);
  t.deepEqual(check(R.svc, service(), () => {}), []);
  t.deepEqual(check(R.pod, pod(), () => {}), []);
  t.deepEqual(check(R.ns, { metadata: { name: 'team-a' } }, () => {}), []);
});

const cases: [string, ResourceType, Record<string, unknown>, (o: Obj) => void, string, string][] = [
  ['name with capitals', R.deploy, deployment(), (o) => set(o, 'metadata.name', 'Web'), 'metadata.name', 'FieldValueInvalid'],
  ['missing name', R.pod, pod(), (o) => set(o, 'metadata.name', undefined), 'metadata.name', 'FieldValueRequired'],
  ['service name starting with a digit (DNS-1035)', R.svc, service(), (o) => set(o, 'metadata.name', '1web'), 'metadata.name', 'FieldValueInvalid'],
  ['namespace name with a dot (DNS-1123 label)', R.ns, { metadata: { name: 'a.b' } }, () => {}, 'metadata.name', 'FieldValueInvalid'],
  ['bad label key', R.pod, pod(), (o) => set(o, 'metadata.labels', { 'a b': 'x' }), 'metadata.labels', 'FieldValueInvalid'],
  ['label value too long', R.pod, pod(), (o) => set(o, 'metadata.labels', { a: 'x'.repeat(64) }), 'metadata.labels', 'FieldValueInvalid'],
  ['service port 0', R.svc, service(), (o) => set(o, 'spec.ports.0.port', 0), 'spec.ports[0].port', 'FieldValueInvalid'],
  ['service port 70000', R.svc, service(), (o) => set(o, 'spec.ports.0.port', 70000), 'spec.ports[0].port', 'FieldValueInvalid'],
  ['service port as a string', R.svc, service(), (o) => set(o, 'spec.ports.0.port', '80'), 'spec.ports[0].port', 'FieldValueInvalid'],
  ['second port without a name', R.svc, service('web', { ports: [{ port: 80, name: 'http' }, { port: 443 }] }), () => {}, 'spec.ports[1].name', 'FieldValueRequired'],
  ['duplicate port names', R.svc, service('web', { ports: [{ port: 80, name: 'http' }, { port: 81, name: 'http' }] }), () => {}, 'spec.ports[1].name', 'FieldValueDuplicate'],
  ['no ports', R.svc, service('web', { ports: [] }), () => {}, 'spec.ports', 'FieldValueRequired'],
  ['unknown type', R.svc, service('web', { type: 'Magic' }), () => {}, 'spec.type', 'FieldValueNotSupported'],
  ['nodePort out of range', R.svc, service('web', { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] }), () => {}, 'spec.ports[0].nodePort', 'FieldValueInvalid'],
  ['nodePort on ClusterIP', R.svc, service('web', { ports: [{ port: 80, nodePort: 30001 }] }), () => {}, 'spec.ports[0].nodePort', 'FieldValueForbidden'],
  ['ExternalName without externalName', R.svc, service('web', { type: 'ExternalName' }), () => {}, 'spec.externalName', 'FieldValueRequired'],
  ['bad clusterIP', R.svc, service('web', { clusterIP: '10.0.0.300' }), () => {}, 'spec.clusterIP', 'FieldValueInvalid'],
  ['externalTrafficPolicy on ClusterIP', R.svc, service('web', { externalTrafficPolicy: 'Local' }), () => {}, 'spec.externalTrafficPolicy', 'FieldValueInvalid'],
  ['bad protocol', R.svc, service(), (o) => set(o, 'spec.ports.0.protocol', 'HTTP'), 'spec.ports[0].protocol', 'FieldValueNotSupported'],
  ['bad targetPort name', R.svc, service(), (o) => set(o, 'spec.ports.0.targetPort', 'Not_A_Name'), 'spec.ports[0].targetPort', 'FieldValueInvalid'],
  ['no containers', R.pod, pod('p', { containers: [] }), () => {}, 'spec.containers', 'FieldValueRequired'],
  ['container without image', R.pod, pod('p', { containers: [{ name: 'c' }] }), () => {}, 'spec.containers[0].image', 'FieldValueRequired'],
  ['duplicate container names', R.pod, pod('p', { containers: [{ name: 'c', image: 'a' }, { name: 'c', image: 'b' }] }), () => {}, 'spec.containers[1].name', 'FieldValueDuplicate'],
  ['containerPort 0', R.pod, pod('p', { containers: [{ name: 'c', image: 'a', ports: [{ containerPort: 0 }] }] }), () => {}, 'spec.containers[0].ports[0].containerPort', 'FieldValueInvalid'],
  ['bad restartPolicy', R.pod, pod('p', { restartPolicy: 'Sometimes' }), () => {}, 'spec.restartPolicy', 'FieldValueNotSupported'],
  ['negative replicas', R.deploy, deployment('web', -1), () => {}, 'spec.replicas', 'FieldValueInvalid'],
  ['no selector', R.deploy, deployment(), (o) => set(o, 'spec.selector', undefined), 'spec.selector', 'FieldValueRequired'],
  ['empty selector', R.deploy, deployment(), (o) => set(o, 'spec.selector', {}), 'spec.selector', 'FieldValueInvalid'],
  ['selector not matching template labels', R.deploy, deployment(), (o) => set(o, 'spec.template.metadata.labels', { app: 'other' }), 'spec.template.metadata.labels', 'FieldValueInvalid'],
  ['template restartPolicy Never', R.deploy, deployment(), (o) => set(o, 'spec.template.spec.restartPolicy', 'Never'), 'spec.template.spec.restartPolicy', 'FieldValueNotSupported'],
  ['maxSurge and maxUnavailable both 0', R.deploy, deployment(), (o) => set(o, 'spec.strategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }), 'spec.strategy.rollingUpdate.maxUnavailable', 'FieldValueInvalid'],
  ['bad percent', R.deploy, deployment(), (o) => set(o, 'spec.strategy', { rollingUpdate: { maxSurge: '25 percent' } }), 'spec.strategy.rollingUpdate.maxSurge', 'FieldValueInvalid'],
  ['replicaset template mismatch', R.rs, deployment(), (o) => { set(o, 'kind', 'ReplicaSet'); set(o, 'spec.template.metadata.labels', {}); }, 'spec.template.metadata.labels', 'FieldValueInvalid'],
  ['node podCIDR', R.node, { metadata: { name: 'n1' }, spec: { podCIDR: '10.0.0.1/24' } }, () => {}, 'spec.podCIDR', 'FieldValueInvalid'],
  ['taint effect', R.node, { metadata: { name: 'n1' }, spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } }, () => {}, 'spec.taints[0].effect', 'FieldValueNotSupported'],
  ['endpoints address', R.ep, { metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: 'nope' }], ports: [{ port: 80 }] }] }, () => {}, 'subsets[0].addresses[0].ip', 'FieldValueInvalid'],
  ['endpointslice addressType', R.slice, { metadata: { name: 's' }, addressType: 'IPv5', endpoints: [] }, () => {}, 'addressType', 'FieldValueNotSupported'],
  ['endpointslice empty addresses', R.slice, { metadata: { name: 's' }, addressType: 'IPv4', endpoints: [{ addresses: [] }] }, () => {}, 'endpoints[0].addresses', 'FieldValueRequired'],
  ['endpointslice bad IPv4', R.slice, { metadata: { name: 's' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.1.1'] }] }, () => {}, 'endpoints[0].addresses[0]', 'FieldValueInvalid'],
];

for (const [what, r, body, mutate, field, reason] of cases) {
  test(`${r.kind}: ${what} → ${reason} at ${field}`, (t) => {
    const errs = check(r, body, mutate);
    t.log(errs);
    t.true(errs.some((e) => e.field === field && e.reason === reason), JSON.stringify(errs));
  });
}

test('messages read as the real API server writes them', (t) => {
  const errs = check(R.svc, service(), (o) => set(o, 'spec.ports.0.port', 70000));
  t.deepEqual(errs, [{ field: 'spec.ports[0].port', reason: 'FieldValueInvalid', message: 'Invalid value: 70000: must be between 1 and 65535, inclusive' }]);
  const ns = check(R.svc, service('web', { type: 'Magic' }), () => {});
  t.is(ns[0]?.message, 'Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
});

test('selector and template must match for deployments, with the real message', (t) => {
  const errs = check(R.deploy, deployment(), (o) => set(o, 'spec.template.metadata.labels', { app: 'x' }));
  t.deepEqual(errs, [{ field: 'spec.template.metadata.labels', reason: 'FieldValueInvalid', message: 'Invalid value: {"app":"x"}: `selector` does not match template `labels`' }]);
});

test('update: a deployment selector is immutable', (t) => {
  const old = structuredClone(deployment()) as KubeObject;
  old.metadata.namespace = 'default';
  defaultObject(R.deploy, old);
  const next = structuredClone(old);
  set(next, 'spec.selector', { matchLabels: { app: 'web', v: '2' } });
  set(next, 'spec.template.metadata.labels', { app: 'web', v: '2' });
  const errs = validateObject(R.deploy, next as KubeObject, old);
  t.deepEqual(errs.map((e) => [e.field, e.message.endsWith('field is immutable')]), [['spec.selector', true]]);
});

test('DaemonSets: defaulted to RollingUpdate one node at a time, validated as the real server validates them', (t) => {
  const ds = (spec: Record<string, unknown>): Record<string, unknown> => ({
    metadata: { name: 'agent' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1' }] } }, ...spec },
  });
  const DS = R.ds;
  const stored = structuredClone(ds({})) as KubeObject;
  stored.metadata.namespace = 'default';
  defaultObject(DS, stored);
  t.deepEqual((stored['spec'] as Record<string, unknown>)['updateStrategy'], { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  t.deepEqual(validateObject(DS, stored), []);
  t.deepEqual(check(DS, ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }), () => {}).map((e) => `${e.field}: ${e.message}`), [
    'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
  ]);
  t.deepEqual(check(DS, ds({ updateStrategy: { type: 'Recreate' } }), () => {}).map((e) => e.field), ['spec.updateStrategy']);
  t.deepEqual(check(DS, ds({ selector: { matchLabels: { app: 'other' } } }), () => {}).map((e) => e.field), ['spec.template.metadata.labels']);
});
