import test from 'ava';
import { parseProtobufBody } from '../../../src/server/protobuf/index.js';
import { envelope } from './pb-encode.js';

function status(r: ReturnType<typeof parseProtobufBody>): { code: number; reason: string; message: string } | undefined {
  return 'error' in r ? r.error.status : undefined;
}

test('a protobuf object body becomes the JSON value the routes read', (t) => {
  t.deepEqual(parseProtobufBody('POST', envelope('v1', 'ConfigMap', [[1, [[1, 'cfg']]], [2, [[1, 'a'], [2, 'b']]]])), {
    value: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: 'b' } },
  });
  t.deepEqual(parseProtobufBody('DELETE', Buffer.alloc(0)), { value: undefined });
});

test('an undecodable field is a 415 that says which and how to send the object instead', (t) => {
  const s = status(parseProtobufBody('POST', envelope('v1', 'Pod', [[2, [[34, [[1, 'debug']]]]]])));
  t.is(s?.code, 415);
  t.is(s?.reason, 'UnsupportedMediaType');
  t.is(
    s?.message,
    "the protobuf request body cannot be decoded by kubewire: spec: field number 34 of core/v1 PodSpec (wire type length-delimited) is not known to kubewire's protobuf decoder; send the object as JSON instead, e.g. `kubectl create ... --dry-run=client -o json | kubectl apply -f -`",
  );
});

test('a broken body is a 400 BadRequest; a protobuf PATCH is a 415 naming the patch types', (t) => {
  t.like(status(parseProtobufBody('PUT', Buffer.from('not protobuf'))), {
    code: 400,
    reason: 'BadRequest',
    message: 'the request body is not valid Kubernetes protobuf: the body does not start with the Kubernetes protobuf prefix "k8s\\x00"',
  });
  t.like(status(parseProtobufBody('PATCH', envelope('v1', 'ConfigMap', []))), {
    code: 415,
    message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got application/vnd.kubernetes.protobuf)',
  });
});
