import test from 'ava';
import { MessageDecoder, ProtobufMalformedError, ProtobufUnsupportedError, SCHEMA } from '../../../src/server/protobuf/index.js';
import { entry, key, pb, type PbField } from './pb-encode.js';

const decoder = new MessageDecoder(SCHEMA);
const decode = (message: string, fields: readonly PbField[] | Uint8Array) => decoder.decode(fields instanceof Uint8Array ? fields : pb(fields), message, '');

/** ObjectMeta as gogo-protobuf writes it: every non-pointer string and int64 present, even when empty. */
const meta = (name: string, extra: PbField[] = []): PbField[] => [[1, name], [2, ''], [3, ''], [4, ''], [5, ''], [6, ''], [7, 0], [8, []], ...extra];

test('a Deployment as kubectl create deployment sends it: empty strings and zeros vanish, creationTimestamp is null', (t) => {
  const container: PbField[] = [[1, 'nginx'], [2, 'nginx'], [5, ''], [6, [[1, ''], [2, 0], [3, 80], [4, ''], [5, '']]], [8, []], [13, ''], [14, ''], [16, false], [17, false], [18, false]];
  const podSpec: PbField[] = [[2, container], [3, ''], [6, ''], [8, ''], [9, ''], [10, ''], [11, false], [12, false], [13, false], [16, ''], [17, '']];
  const got = decode('Deployment', [
    [1, meta('web', [entry(11, 'app', 'web')])],
    [2, [[1, 3], [2, [entry(1, 'app', 'web')]], [3, [[1, meta('', [entry(11, 'app', 'web')])], [2, podSpec]]], [4, [[1, '']]], [5, 0], [7, false]]],
    [3, [[1, 0], [2, 0], [3, 0], [4, 0], [5, 0], [7, 0]]],
  ]);
  t.deepEqual(got, {
    metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] },
      },
      strategy: {},
    },
    status: {},
  });
});

test('zero values a user wrote on purpose stay: replicas 0 (a pointer), containerPort and port (no omitempty)', (t) => {
  t.deepEqual(decode('DeploymentSpec', [[1, 0], [7, false]]), { replicas: 0 });
  t.deepEqual(decode('ContainerPort', [[3, 0], [2, 0]]), { containerPort: 0 });
  t.deepEqual(decode('ConfigMap', [[4, false]]), { immutable: false });
  t.deepEqual(decode('PodSpec', [[21, false], [11, false]]), { automountServiceAccountToken: false });
});

test('negative int32/int64 arrive as ten-byte varints and decode signed', (t) => {
  t.deepEqual(decode('PodSpec', [[25, -5], [4, -1n]]), { priority: -5, terminationGracePeriodSeconds: -1 });
});

test('IntOrString: a number or a string as in JSON; Quantity maps keep the canonical string', (t) => {
  t.deepEqual(decode('ServicePort', [[3, 8080], [4, [[1, 0], [2, 80], [3, '']]]]), { port: 8080, targetPort: 80 });
  t.deepEqual(decode('ServicePort', [[3, 80], [4, [[1, 1], [2, 0], [3, 'http']]]]), { port: 80, targetPort: 'http' });
  t.deepEqual(decode('RollingUpdateDeployment', [[1, [[1, 1], [3, '25%']]], [2, [[1, 0], [2, 1]]]]), { maxUnavailable: '25%', maxSurge: 1 });
  t.deepEqual(decode('ResourceRequirements', [entry(1, 'cpu', [[1, '500m']]), entry(1, 'memory', [[1, '128Mi']]), entry(2, 'cpu', [])]), {
    limits: { cpu: '500m', memory: '128Mi' },
    requests: { cpu: '0' },
  });
  t.throws(() => decode('ServicePort', [[4, [[1, 2]]]]), { instanceOf: ProtobufMalformedError, message: 'targetPort: IntOrString type 2 is neither 0 (Int) nor 1 (String)' });
});

test('Time: seconds to RFC 3339 in UTC (nanos dropped as metav1.Time does); an empty Time is null', (t) => {
  t.deepEqual(decode('ObjectMeta', [[8, [[1, 1714564800], [2, 5]]], [9, []]]), { creationTimestamp: '2024-05-01T12:00:00Z', deletionTimestamp: null });
  t.throws(() => decode('ObjectMeta', [[8, [[1, 253402300800n]]]]), { instanceOf: ProtobufMalformedError, message: 'creationTimestamp: time 253402300800s is outside years 0001..9999' });
});

test('bytes are base64 as encoding/json writes []byte: Secret data and ConfigMap binaryData', (t) => {
  const got = decode('Secret', [[1, meta('s')], entry(2, 'password', Uint8Array.from([0x68, 0x69, 0x00, 0xff])), [3, 'Opaque']]);
  t.deepEqual(got, { metadata: { name: 's', creationTimestamp: null }, data: { password: 'aGkA/w==' }, type: 'Opaque' });
  t.deepEqual(decode('ConfigMap', [entry(3, 'bin', new Uint8Array())]), { binaryData: { bin: '' } });
});

test('inline structs (json:",inline") land in the parent: volume sources, probe handlers, env source names', (t) => {
  const vol: PbField[] = [[1, 'cfg'], [2, [[19, [[1, [[1, 'app-config']]], [3, 420]]]]]];
  t.deepEqual(decode('Volume', vol), { name: 'cfg', configMap: { name: 'app-config', defaultMode: 420 } });
  t.deepEqual(decode('Probe', [[1, [[3, [[1, [[1, 1], [3, 'http']]], [2, '']]]]], [4, 10]]), { tcpSocket: { port: 'http' }, periodSeconds: 10 });
  t.deepEqual(decode('EnvFromSource', [[2, [[1, [[1, 'cm']]], [2, true]]]]), { configMapRef: { name: 'cm', optional: true } });
});

test('repeated scalars, packed or not, and repeated strings keep their order', (t) => {
  const packed = Uint8Array.from([...key(4, 2), 3, 1, 2, 3]);
  t.deepEqual(decode('PodSecurityContext', packed), { supplementalGroups: [1, 2, 3] });
  t.deepEqual(decode('PodSecurityContext', [[4, 7], [4, 8]]), { supplementalGroups: [7, 8] });
  t.deepEqual(decode('Container', [[1, 'c'], [3, 'sh'], [3, '-c'], [4, 'date']]), { name: 'c', command: ['sh', '-c'], args: ['date'] });
});

test('managedFields: FieldsV1 holds JSON text, decoded to the object itself', (t) => {
  const fields = new TextEncoder().encode('{"f:spec":{"f:replicas":{}}}');
  t.deepEqual(decode('ManagedFieldsEntry', [[1, 'kubectl'], [2, 'Update'], [3, 'apps/v1'], [6, 'FieldsV1'], [7, [[1, fields]]]]), {
    manager: 'kubectl',
    operation: 'Update',
    apiVersion: 'apps/v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:spec': { 'f:replicas': {} } },
  });
});

test('an unknown field number is refused, naming the message, the number and where it sits', (t) => {
  const ephemeral: PbField[] = [[1, [[1, 'debug']]]];
  const body: PbField[] = [[1, meta('web')], [2, [[3, [[2, [[34, ephemeral]]]]]]]];
  const e = t.throws(() => decode('Deployment', body), { instanceOf: ProtobufUnsupportedError });
  t.is(e?.message, "spec.template.spec: field number 34 of core/v1 PodSpec (wire type length-delimited) is not known to kubewire's protobuf decoder");
  t.is(e?.code, 'KW_SERVER_PROTOBUF_UNSUPPORTED');
  t.throws(() => decode('Container', [[1, 'c'], [99, 1]]), { message: "field number 99 of core/v1 Container (wire type varint) is not known to kubewire's protobuf decoder" });
});

test('a field with the wrong wire type, bad UTF-8 or a map entry with a third field is malformed', (t) => {
  t.throws(() => decode('ObjectMeta', [[1, 5]]), { instanceOf: ProtobufMalformedError, message: 'name: wire type varint, expected length-delimited' });
  t.throws(() => decode('ObjectMeta', [[1, Uint8Array.from([0xc3, 0x28])]]), { message: 'name: string field is not valid UTF-8' });
  t.throws(() => decode('ObjectMeta', [[11, [[1, 'a'], [2, 'b'], [3, 'c']]]]), { message: 'labels: map entry has field number 3 (only 1 = key and 2 = value exist)' });
  t.throws(() => decode('Container', [[6, [[3, 80]]], [6, [[9, 1]]]]), { message: "ports[1]: field number 9 of core/v1 ContainerPort (wire type varint) is not known to kubewire's protobuf decoder" });
});

test('an Event keeps eventTime to the microsecond (MicroTime); series.lastObservedTime too', (t) => {
  const got = decode('Event', [[3, 'Scheduled'], [8, 1], [10, [[1, 1714564800], [2, 123456789]]], [11, [[1, 2], [2, [[1, 1714564801]]]]], [14, 'default-scheduler'], [15, '']]);
  t.deepEqual(got, {
    reason: 'Scheduled',
    count: 1,
    eventTime: '2024-05-01T12:00:00.123456Z',
    series: { count: 2, lastObservedTime: '2024-05-01T12:00:01.000000Z' },
    reportingComponent: 'default-scheduler',
    reportingInstance: '',
  });
});

test('EndpointSlice ports use discovery/v1 numbering (port = 3), Endpoints ports core/v1 numbering (port = 2)', (t) => {
  const slice = decode('EndpointSlice', [[2, [[1, '10.244.1.5'], [2, [[1, true], [3, false]]], [6, 'node-a']]], [3, [[1, 'http'], [2, 'TCP'], [3, 80]]], [4, 'IPv4']]);
  t.deepEqual(slice, { endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true, terminating: false }, nodeName: 'node-a' }], ports: [{ name: 'http', protocol: 'TCP', port: 80 }], addressType: 'IPv4' });
  const eps = decode('Endpoints', [[2, [[1, [[1, '10.244.1.5']]], [3, [[1, 'http'], [2, 80], [3, 'TCP']]]]]]);
  t.deepEqual(eps, { subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }] });
});

test('a Node with podCIDRs, a taint and capacity', (t) => {
  const got = decode('Node', [[1, meta('node-a')], [2, [[1, '10.244.1.0/24'], [4, true], [5, [[1, 'dedicated'], [2, 'db'], [3, 'NoSchedule']]], [7, '10.244.1.0/24']]], [3, [entry(1, 'pods', [[1, '110']])]]]);
  t.deepEqual(got, {
    metadata: { name: 'node-a', creationTimestamp: null },
    spec: { podCIDR: '10.244.1.0/24', unschedulable: true, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }], podCIDRs: ['10.244.1.0/24'] },
    status: { capacity: { pods: '110' } },
  });
});

test('a map key "__proto__" is an ordinary label, as JSON.parse would make it', (t) => {
  const got = decode('ObjectMeta', [entry(11, '__proto__', 'x'), entry(11, 'app', 'web')]);
  const labels = got['labels'] as Record<string, unknown>;
  t.deepEqual(Object.keys(labels), ['__proto__', 'app']);
  t.is(Object.getPrototypeOf(labels), Object.prototype);
  t.deepEqual(labels, JSON.parse('{"__proto__":"x","app":"web"}'));
});
