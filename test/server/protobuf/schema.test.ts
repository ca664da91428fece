import test from 'ava';
import { parseField, ROOT_KINDS, SCHEMA, Schema } from '../../../src/server/protobuf/index.js';

test('the field notation: pointers and non-omitempty keep zeros, [] is repeated, map<> a map, an empty name is inline', (t) => {
  t.deepEqual(parseField('replicas:int32?'), { json: 'replicas', value: { kind: 'scalar', type: 'int32' }, shape: 'single', keepZero: true });
  t.deepEqual(parseField('minReadySeconds:int32'), { json: 'minReadySeconds', value: { kind: 'scalar', type: 'int32' }, shape: 'single', keepZero: false });
  t.deepEqual(parseField('args:[]string'), { json: 'args', value: { kind: 'scalar', type: 'string' }, shape: 'repeated', keepZero: false });
  t.deepEqual(parseField('limits:map<Quantity>'), { json: 'limits', value: { kind: 'special', type: 'Quantity' }, shape: 'map', keepZero: false });
  t.deepEqual(parseField(':VolumeSource'), { json: '', value: { kind: 'message', type: 'VolumeSource' }, shape: 'single', keepZero: false });
  t.throws(() => parseField('labels:map<string'), { message: 'protobuf schema: unbalanced map<> in "labels:map<string"' });
  t.throws(() => parseField('no colon'));
});

test('a table that names a message nobody defines, or inlines a list, does not load', (t) => {
  t.throws(() => new Schema([{ group: 'x/v1', table: { A: { 1: 'b:B' } } }]), { message: 'protobuf schema: x/v1 A field 1 refers to unknown message B' });
  t.throws(() => new Schema([{ group: 'x/v1', table: { A: { 1: ':[]A' } } }]), { message: 'protobuf schema: x/v1 A field 1: only a single message can be inline' });
});

test('every kind the decoder accepts has its message, and the kinds kubectl create can send are among them', (t) => {
  for (const m of Object.values(ROOT_KINDS)) t.true(SCHEMA.has(m), m);
  for (const k of ['apps/v1 Deployment', 'v1 Service', 'v1 Namespace', 'v1 ConfigMap', 'v1 Secret', 'v1 ServiceAccount', 'batch/v1 Job', 'batch/v1 CronJob']) {
    t.not(ROOT_KINDS[k], undefined, k);
  }
  t.is(SCHEMA.message('PodSpec').name, 'core/v1 PodSpec');
  t.is(SCHEMA.message('PodSpec').fields.get(2)?.json, 'containers');
});

test('a message defined in two tables does not load (core/v1 and discovery/v1 both have an EndpointPort)', (t) => {
  t.throws(() => new Schema([{ group: 'core/v1', table: { EndpointPort: { 2: 'port:int32!' } } }, { group: 'discovery/v1', table: { EndpointPort: { 3: 'port:int32?' } } }]), {
    message: 'protobuf schema: message EndpointPort is defined twice',
  });
});
