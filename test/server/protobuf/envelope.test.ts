import test from 'ava';
import { readFileSync } from 'node:fs';
import { decodeKubernetesProtobuf, ProtobufMalformedError, ProtobufUnsupportedError, readEnvelope } from '../../../src/server/protobuf/index.js';
import { envelope, pb } from './pb-encode.js';

interface Case {
  readonly command: string;
  readonly protobuf: string;
  readonly json: unknown;
}
const fixture = JSON.parse(readFileSync(new URL('fixtures/kubectl-create.json', import.meta.url), 'utf8')) as { cases: Case[] };

// The bodies real kubectl 1.32 sent must decode to exactly what the same command prints with
// --dry-run=client -o json, i.e. what `kubectl apply -f` of that output would have sent.
for (const c of fixture.cases) {
  test(`${c.command}: decodes to kubectl's own JSON for the same object`, (t) => {
    t.deepEqual(decodeKubernetesProtobuf(Buffer.from(c.protobuf, 'base64')), c.json);
  });
}

test('the envelope: magic, typeMeta, raw; unknown envelope fields are skipped', (t) => {
  const body = Buffer.concat([envelope('v1', 'Namespace', [[1, [[1, 'team-a']]]]), pb([[9, 'future']])]);
  const env = readEnvelope(body);
  t.deepEqual([env.apiVersion, env.kind, env.contentEncoding, env.contentType], ['v1', 'Namespace', '', '']);
  t.deepEqual(decodeKubernetesProtobuf(body), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
});

test('a body without the k8s\\0 prefix, or an envelope with no kind, is malformed', (t) => {
  t.throws(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Pod"}')), { instanceOf: ProtobufMalformedError, message: 'the body does not start with the Kubernetes protobuf prefix "k8s\\x00"' });
  t.throws(() => decodeKubernetesProtobuf(Buffer.from('k8s\u0000', 'latin1')), { instanceOf: ProtobufMalformedError, message: 'the runtime.Unknown envelope names no apiVersion and kind' });
  t.throws(() => decodeKubernetesProtobuf(envelope('v1', 'Namespace', []).subarray(0, 12)), { instanceOf: ProtobufMalformedError });
});

test('a kind the decoder has no schema for is refused by name, never stored half-understood', (t) => {
  t.throws(() => decodeKubernetesProtobuf(envelope('networking.k8s.io/v1', 'NetworkPolicy', [[1, [[1, 'np']]]])), {
    instanceOf: ProtobufUnsupportedError,
    message: "kind NetworkPolicy in networking.k8s.io/v1 is not known to kubewire's protobuf decoder",
  });
  t.throws(() => decodeKubernetesProtobuf(envelope('apps/v2', 'Deployment', [])), { instanceOf: ProtobufUnsupportedError });
});

test('a compressed or re-typed payload inside the envelope is refused', (t) => {
  const gz = Buffer.concat([Buffer.from('k8s\u0000', 'latin1'), pb([[1, [[1, 'v1'], [2, 'Pod']]], [2, new Uint8Array()], [3, 'gzip']])]);
  t.throws(() => decodeKubernetesProtobuf(gz), { instanceOf: ProtobufUnsupportedError, message: 'content encoding "gzip" inside the protobuf envelope is not supported' });
});

test('DeleteOptions decode whatever group version a typed client stamped on them', (t) => {
  t.deepEqual(decodeKubernetesProtobuf(envelope('apps/v1', 'DeleteOptions', [[1, 0], [4, 'Foreground'], [5, 'All']])), {
    apiVersion: 'apps/v1',
    kind: 'DeleteOptions',
    gracePeriodSeconds: 0,
    propagationPolicy: 'Foreground',
    dryRun: ['All'],
  });
});

test('RBAC objects decode as kubectl create role / rolebinding send them (rules, roleRef, subjects)', (t) => {
  const role = envelope('rbac.authorization.k8s.io/v1', 'Role', [[1, [[1, 'reader']]], [2, [[1, 'get'], [1, 'list'], [2, ''], [3, 'pods']]]]);
  t.deepEqual(decodeKubernetesProtobuf(role), { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] });
  const binding = envelope('rbac.authorization.k8s.io/v1', 'RoleBinding', [[1, [[1, 'rb']]], [2, [[1, 'User'], [2, 'rbac.authorization.k8s.io'], [3, 'alice']]], [3, [[1, 'rbac.authorization.k8s.io'], [2, 'Role'], [3, 'reader']]]]);
  t.deepEqual(decodeKubernetesProtobuf(binding), {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'rb' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
  });
});
