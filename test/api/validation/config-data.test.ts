import test from 'ava';
import { defaultObject, resourceByPlural, validateObject, type KubeObject, type ResourceType } from '../../../src/api/index.js';
import { undecodableData } from '../../../src/api/index.js';

const CM = resourceByPlural('', 'configmaps') as ResourceType;
const SECRET = resourceByPlural('', 'secrets') as ResourceType;

function stored(r: ResourceType, body: Record<string, unknown>): KubeObject {
  const o = { apiVersion: 'v1', kind: r.kind, metadata: { name: 'x', namespace: 'default' }, ...structuredClone(body) } as KubeObject;
  defaultObject(r, o);
  return o;
}

const errors = (r: ResourceType, o: KubeObject, old?: KubeObject): string[] => validateObject(r, o, old).map((e) => `${e.field}: ${e.message}`);

test('ConfigMap and Secret are served under their real names', (t) => {
  t.deepEqual([CM.kind, CM.singular, CM.shortNames, CM.namespaced], ['ConfigMap', 'configmap', ['cm'], true]);
  t.deepEqual([SECRET.kind, SECRET.singular, SECRET.shortNames, SECRET.namespaced], ['Secret', 'secret', [], true]);
});

test('ConfigMap keys: IsConfigMapKey and no key in both data and binaryData', (t) => {
  t.deepEqual(errors(CM, stored(CM, { data: { 'app.conf': 'a', KEY_1: 'b', 'key-2': 'c' } })), []);
  t.deepEqual(errors(CM, stored(CM, { data: { '..x': '1', '.': '2' } })), ['data[..x]: Invalid value: "..x": must not start with \'..\'', 'data[.]: Invalid value: ".": must not be \'.\'']);
  t.deepEqual(errors(CM, stored(CM, { data: { dup: 'a' }, binaryData: { dup: 'eA==' } })), ['data[dup]: Invalid value: "dup": duplicate of key present in binaryData']);
  const bad = errors(CM, stored(CM, { data: { 'a b': 'x' } }));
  t.is(bad.length, 1);
  t.regex(bad[0] ?? '', /^data\[a b\]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '\.' \(e\.g\. 'key\.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '\[-\._a-zA-Z0-9\]\+'\)$/);
});

test('payload size: 1 MiB at most, counting UTF-8 bytes of data and decoded bytes of binaryData', (t) => {
  const mib = 1024 * 1024;
  t.deepEqual(errors(CM, stored(CM, { data: { a: 'x'.repeat(mib) } })), []);
  t.deepEqual(errors(CM, stored(CM, { data: { a: 'x'.repeat(mib - 1) }, binaryData: { b: 'eHg=' } })), [': Too long: must have at most 1048576 bytes']);
  t.deepEqual(errors(CM, stored(CM, { data: { a: 'é'.repeat(mib / 2 + 1) } })), [': Too long: must have at most 1048576 bytes'], 'é is two bytes');
  const big = Buffer.alloc(mib + 1).toString('base64');
  t.deepEqual(errors(SECRET, stored(SECRET, { data: { a: big } })), ['data: Too long: must have at most 1048576 bytes']);
});

test('Secret defaulting: type Opaque, stringData folded into data as base64 and not stored', (t) => {
  const s = stored(SECRET, { data: { user: 'b2xk', keep: 'a2VlcA==' }, stringData: { user: 'admin', pw: 'pässword' } });
  t.is(s['type'], 'Opaque');
  t.deepEqual(s['data'], { user: 'YWRtaW4=', keep: 'a2VlcA==', pw: 'cMOkc3N3b3Jk' });
  t.false('stringData' in s);
  t.is(stored(SECRET, { type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } })['type'], 'kubernetes.io/tls');
});

test('Secret types: the keys each built-in type requires', (t) => {
  t.deepEqual(errors(SECRET, stored(SECRET, { type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x' } })), ['data[tls.key]: Required value']);
  t.deepEqual(errors(SECRET, stored(SECRET, { type: 'kubernetes.io/basic-auth' })), ['data[username]: Required value', 'data[password]: Required value']);
  t.deepEqual(errors(SECRET, stored(SECRET, { type: 'kubernetes.io/basic-auth', stringData: { password: '' } })), [], 'one of the two, even empty');
  t.deepEqual(errors(SECRET, stored(SECRET, { type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': '' } })), ['data[ssh-privatekey]: Required value']);
  t.deepEqual(errors(SECRET, stored(SECRET, { type: 'kubernetes.io/service-account-token' })), ['metadata.annotations[kubernetes.io/service-account.name]: Required value']);
  t.deepEqual(errors(SECRET, stored(SECRET, { type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '<xml/>' } })), [
    'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character \'<\' looking for beginning of value',
  ]);
  t.deepEqual(errors(SECRET, stored(SECRET, { type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{}}' } })), []);
});

test('updates: type is immutable; immutable: true freezes the payload and itself', (t) => {
  const old = stored(SECRET, { stringData: { a: '1' } });
  t.deepEqual(errors(SECRET, stored(SECRET, { type: 'kubernetes.io/tls', stringData: { 'tls.crt': '', 'tls.key': '' } }), old), ['type: Invalid value: "kubernetes.io/tls": field is immutable']);
  const frozen = stored(CM, { immutable: true, data: { a: '1' } });
  t.deepEqual(errors(CM, stored(CM, { immutable: true, data: { a: '1' } }), frozen), []);
  t.deepEqual(errors(CM, stored(CM, { immutable: true, data: { a: '2' } }), frozen), ['data: Forbidden: field is immutable when `immutable` is set']);
  t.deepEqual(errors(CM, stored(CM, { data: { a: '1' } }), frozen), ['immutable: Forbidden: field is immutable when `immutable` is set']);
  t.deepEqual(errors(CM, stored(CM, { data: { a: '2' } }), stored(CM, { data: { a: '1' } })), [], 'a mutable one may change');
});

test('decoding: wrong types and bad base64 are refused before validation, in the real decoder\'s words', (t) => {
  t.is(undecodableData('Secret', { data: { a: 'abc$def' } }), 'illegal base64 data at input byte 3');
  t.is(undecodableData('Secret', { data: { a: 5 } }), 'json: cannot unmarshal number into Go struct field Secret.data of type []uint8');
  t.is(undecodableData('ConfigMap', { data: ['a'] }), 'json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string');
  t.is(undecodableData('ConfigMap', { binaryData: { b: 'eA=' } }), 'illegal base64 data at input byte 3');
  t.is(undecodableData('ConfigMap', { data: { a: 'abc$def' } }), undefined, 'data holds plain strings');
  t.is(undecodableData('Pod', { data: 5 }), undefined);
});
