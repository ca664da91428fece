import { MessageDecoder, type Json } from './decode.js';
import { APPS_MESSAGES } from './messages/apps.js';
import { BATCH_MESSAGES } from './messages/batch.js';
import { CORE_MESSAGES } from './messages/core.js';
import { DISCOVERY_MESSAGES, ENDPOINTS_MESSAGES } from './messages/endpoints.js';
import { EVENT_MESSAGES } from './messages/event.js';
import { META_MESSAGES } from './messages/meta.js';
import { NETWORKING_MESSAGES } from './messages/networking.js';
import { NODE_MESSAGES } from './messages/node.js';
import { POD_MESSAGES } from './messages/pod.js';
import { POLICY_MESSAGES } from './messages/policy.js';
import { AUTHORIZATION_MESSAGES, RBAC_MESSAGES } from './messages/rbac.js';
import { VOLUME_MESSAGES } from './messages/volume.js';
import { Schema } from './schema.js';
import { decodeUtf8, ProtobufMalformedError, ProtobufUnsupportedError, WireReader } from './wire.js';

/**
 * Kubernetes' protobuf envelope (k8s.io/apimachinery/pkg/runtime/serializer/protobuf): the four
 * bytes "k8s\0", then a runtime.Unknown message: typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2
 * (the object's own message, which carries no apiVersion/kind), contentEncoding = 3, contentType = 4.
 */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = [0x6b, 0x38, 0x73, 0x00] as const;

export const SCHEMA = new Schema([
  { group: 'meta/v1', table: META_MESSAGES },
  // One entry per table (not one spread object) so a message defined in two tables is caught at load.
  ...[CORE_MESSAGES, POD_MESSAGES, VOLUME_MESSAGES, NODE_MESSAGES, EVENT_MESSAGES, ENDPOINTS_MESSAGES].map((table) => ({ group: 'core/v1', table })),
  { group: 'apps/v1', table: APPS_MESSAGES },
  { group: 'batch/v1', table: BATCH_MESSAGES },
  { group: 'networking/v1', table: NETWORKING_MESSAGES },
  { group: 'policy/v1', table: POLICY_MESSAGES },
  { group: 'discovery/v1', table: DISCOVERY_MESSAGES },
  { group: 'rbac/v1', table: RBAC_MESSAGES },
  { group: 'authorization/v1', table: AUTHORIZATION_MESSAGES },
]);

/** The kinds a protobuf body may carry, by "apiVersion kind", and the message each one's raw bytes hold. */
export const ROOT_KINDS: Readonly<Record<string, string>> = {
  'v1 Namespace': 'Namespace',
  'v1 Pod': 'Pod',
  'v1 Service': 'Service',
  'v1 ConfigMap': 'ConfigMap',
  'v1 Secret': 'Secret',
  'v1 ServiceAccount': 'ServiceAccount',
  'v1 Binding': 'Binding',
  'v1 Node': 'Node',
  'v1 Endpoints': 'Endpoints',
  'v1 Event': 'Event',
  'discovery.k8s.io/v1 EndpointSlice': 'EndpointSlice',
  'apps/v1 Deployment': 'Deployment',
  'apps/v1 ReplicaSet': 'ReplicaSet',
  'batch/v1 Job': 'Job',
  'batch/v1 CronJob': 'CronJob',
  'networking.k8s.io/v1 Ingress': 'Ingress',
  'networking.k8s.io/v1 IngressClass': 'IngressClass',
  'policy/v1 Eviction': 'Eviction',
  'policy/v1 PodDisruptionBudget': 'PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1 Role': 'Role',
  'rbac.authorization.k8s.io/v1 ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1 RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': 'ClusterRoleBinding',
  'authorization.k8s.io/v1 SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  // DeleteOptions is registered in every group version; a typed client stamps its own.
  'meta.k8s.io/v1 DeleteOptions': 'DeleteOptions',
  'v1 DeleteOptions': 'DeleteOptions',
};

function rootMessage(apiVersion: string, kind: string): string | undefined {
  return ROOT_KINDS[`${apiVersion} ${kind}`] ?? (kind === 'DeleteOptions' ? 'DeleteOptions' : undefined);
}

const decoder = new MessageDecoder(SCHEMA);

export interface UnknownEnvelope {
  readonly apiVersion: string;
  readonly kind: string;
  readonly raw: Uint8Array;
  readonly contentEncoding: string;
  readonly contentType: string;
}

/** Splits a body into its envelope parts; throws ProtobufMalformedError when it is not one. */
export function readEnvelope(body: Uint8Array): UnknownEnvelope {
  if (body.length < MAGIC.length || MAGIC.some((b, i) => body[i] !== b)) {
    throw new ProtobufMalformedError('the body does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array = new Uint8Array();
  let contentEncoding = '';
  let contentType = '';
  const r = new WireReader(body, MAGIC.length);
  while (!r.done()) {
    const h = r.header();
    if (h.wire !== 2) throw new ProtobufMalformedError(`runtime.Unknown field ${h.num} has wire type ${h.wire}, expected length-delimited`);
    if (h.num === 1) {
      const tm = r.sub();
      while (!tm.done()) {
        const t = tm.header();
        if (t.wire !== 2) throw new ProtobufMalformedError(`runtime.TypeMeta field ${t.num} has wire type ${t.wire}, expected length-delimited`);
        if (t.num === 1) apiVersion = decodeUtf8(tm.bytes(), 'typeMeta.apiVersion');
        else if (t.num === 2) kind = decodeUtf8(tm.bytes(), 'typeMeta.kind');
        else tm.skip(t.wire);
      }
    } else if (h.num === 2) raw = r.bytes();
    else if (h.num === 3) contentEncoding = decodeUtf8(r.bytes(), 'contentEncoding');
    else if (h.num === 4) contentType = decodeUtf8(r.bytes(), 'contentType');
    else r.skip(h.wire);
  }
  return { apiVersion, kind, raw, contentEncoding, contentType };
}

/**
 * Decodes a whole `application/vnd.kubernetes.protobuf` body into the JSON object a JSON client
 * would have sent: `{apiVersion, kind, metadata, spec, ...}`.
 * Throws ProtobufMalformedError (not protobuf, truncated) or ProtobufUnsupportedError (a kind or
 * field kubewire cannot decode without losing it).
 */
export function decodeKubernetesProtobuf(body: Uint8Array): { [key: string]: Json } {
  const env = readEnvelope(body);
  if (env.kind === '' || env.apiVersion === '') throw new ProtobufMalformedError('the runtime.Unknown envelope names no apiVersion and kind');
  if (env.contentEncoding !== '') throw new ProtobufUnsupportedError(`content encoding "${env.contentEncoding}" inside the protobuf envelope is not supported`);
  if (env.contentType !== '' && env.contentType !== PROTOBUF_MEDIA_TYPE) throw new ProtobufUnsupportedError(`content type "${env.contentType}" inside the protobuf envelope is not supported`);
  const message = rootMessage(env.apiVersion, env.kind);
  if (message === undefined) throw new ProtobufUnsupportedError(`kind ${env.kind} in ${env.apiVersion} is not known to kubewire's protobuf decoder`);
  const obj = decoder.decode(env.raw, message, '');
  return { apiVersion: env.apiVersion, kind: env.kind, ...obj };
}
