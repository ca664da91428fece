import test from 'ava';
import { defaultObject, registeredResource, validateObject, type KubeObject, type ResourceType } from '../../../src/api/index.js';

const ROLE = registeredResource('rbac.authorization.k8s.io', 'roles');
const CLUSTER_ROLE = registeredResource('rbac.authorization.k8s.io', 'clusterroles');
const BINDING = registeredResource('rbac.authorization.k8s.io', 'rolebindings');
const CLUSTER_BINDING = registeredResource('rbac.authorization.k8s.io', 'clusterrolebindings');

/** The errors the API server would answer for `body`, after defaulting (and against `old` on update), as "field: message". */
function errors(r: ResourceType, body: Record<string, unknown>, old?: KubeObject): string[] {
  const o = structuredClone(body) as KubeObject;
  if (r.namespaced) o.metadata.namespace = 'team-a';
  defaultObject(r, o);
  return validateObject(r, o, old).map((e) => `${e.field}: ${e.message}`);
}

function stored(r: ResourceType, body: Record<string, unknown>): KubeObject {
  const o = structuredClone(body) as KubeObject;
  if (r.namespaced) o.metadata.namespace = 'team-a';
  defaultObject(r, o);
  return o;
}

test('a Role or ClusterRole name is a path segment: colons and capitals pass, "/" and ".." do not', (t) => {
  const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }];
  t.deepEqual(errors(CLUSTER_ROLE, { metadata: { name: 'system:Controller:x' }, rules }), []);
  t.deepEqual(errors(ROLE, { metadata: { name: 'a/b' }, rules }), ['metadata.name: Invalid value: "a/b": may not contain \'/\'']);
  t.deepEqual(errors(ROLE, { metadata: { name: '..' }, rules }), ['metadata.name: Invalid value: "..": may not be \'..\'']);
});

test('a rule needs verbs, and either API groups with resources or non-resource URLs (a Role none of those)', (t) => {
  t.deepEqual(errors(ROLE, { metadata: { name: 'r' }, rules: [{ resources: ['pods'] }] }), [
    'rules[0].verbs: Required value: verbs must contain at least one value',
    'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
  ]);
  t.deepEqual(errors(ROLE, { metadata: { name: 'r' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] }), [
    'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
  ]);
  t.deepEqual(errors(CLUSTER_ROLE, { metadata: { name: 'r' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez'] }] }), []);
  t.deepEqual(errors(CLUSTER_ROLE, { metadata: { name: 'r' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }] }), [
    'rules[0].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources and non-resource URLs',
  ]);
  t.deepEqual(errors(ROLE, { metadata: { name: 'r' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'services'], resourceNames: ['web'] }] }), [
    'rules[0].resourceNames: Required value: resource names cannot apply to multiple resources',
  ]);
});

test('bindings default roleRef.apiGroup and User/Group subjects to the RBAC group; a ServiceAccount subject keeps ""', (t) => {
  const b = stored(BINDING, {
    metadata: { name: 'b' },
    roleRef: { kind: 'Role', name: 'reader' },
    subjects: [
      { kind: 'User', name: 'alice' },
      { kind: 'Group', name: 'devs' },
      { kind: 'ServiceAccount', name: 'builder' },
    ],
  });
  t.deepEqual(b['roleRef'], { kind: 'Role', name: 'reader', apiGroup: 'rbac.authorization.k8s.io' });
  t.deepEqual(b['subjects'], [
    { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' },
    { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' },
    { kind: 'ServiceAccount', name: 'builder' },
  ]);
  t.deepEqual(validateObject(BINDING, b), []);
});

test('a binding names a Role or ClusterRole of the RBAC group (a ClusterRoleBinding only a ClusterRole), and real subjects', (t) => {
  t.deepEqual(errors(BINDING, { metadata: { name: 'b' }, roleRef: { apiGroup: 'example.com', kind: 'Thing', name: '' }, subjects: [{ kind: 'Robot', name: 'r2' }] }), [
    'roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
    'roleRef.kind: Unsupported value: "Thing": supported values: "Role", "ClusterRole"',
    'roleRef.name: Required value',
    'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
  ]);
  t.deepEqual(errors(CLUSTER_BINDING, { metadata: { name: 'b' }, roleRef: { kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'builder' }] }), [
    'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    // Cluster-wide, an account must say which namespace it is in.
    'subjects[0].namespace: Required value',
  ]);
  t.deepEqual(errors(BINDING, { metadata: { name: 'b' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'Builder', apiGroup: 'rbac.authorization.k8s.io' }] }).map((e) => e.split(':')[0]), [
    'subjects[0].name',
    'subjects[0].apiGroup',
  ]);
});

test('a binding\'s roleRef cannot change; its subjects can', (t) => {
  const body = { metadata: { name: 'b' }, roleRef: { kind: 'Role', name: 'reader' }, subjects: [{ kind: 'User', name: 'alice' }] };
  const old = stored(BINDING, body);
  t.deepEqual(errors(BINDING, { ...body, subjects: [{ kind: 'User', name: 'bob' }] }, old), []);
  t.deepEqual(errors(BINDING, { ...body, roleRef: { kind: 'Role', name: 'writer' } }, old), [
    'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"writer"}: cannot change roleRef',
  ]);
});
