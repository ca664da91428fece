import { ApiError, apiErrors } from '../../apiserver/index.js';
import { decodeKubernetesProtobuf } from './envelope.js';
import { ProtobufMalformedError, ProtobufUnsupportedError } from './wire.js';

/** What to do instead, shown with every 415: the same object as JSON goes through. */
const JSON_HINT = 'send the object as JSON instead, e.g. `kubectl create ... --dry-run=client -o json | kubectl apply -f -`';

/**
 * A protobuf request body as the JSON value the routes expect, or the Status error to answer with:
 * 400 BadRequest for a body that is not protobuf, 415 UnsupportedMediaType for a kind or field
 * kubewire cannot decode (refused whole, so nothing is half-applied), 415 for a PATCH (patches are JSON).
 */
export function parseProtobufBody(method: string, body: Buffer): { readonly value: unknown } | { readonly error: ApiError } {
  if (method === 'PATCH') return { error: apiErrors.unsupportedMediaType('application/vnd.kubernetes.protobuf') };
  if (body.length === 0) return { value: undefined };
  try {
    return { value: decodeKubernetesProtobuf(body) };
  } catch (e) {
    if (e instanceof ProtobufUnsupportedError) {
      return { error: new ApiError(415, 'UnsupportedMediaType', `the protobuf request body cannot be decoded by kubewire: ${e.message}; ${JSON_HINT}`) };
    }
    if (e instanceof ProtobufMalformedError) return { error: apiErrors.badRequest(`the request body is not valid Kubernetes protobuf: ${e.message}`) };
    throw e;
  }
}
