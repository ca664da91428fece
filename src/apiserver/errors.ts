import { invalidObjectMessage, qualifiedResource, type FieldError, type ResourceType } from '../api/index.js';
import { KubewireError } from '../lib/index.js';

/** The metav1.Status the real API server returns with every error (and some deletes). */
export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message: string;
  readonly reason: string;
  readonly details?: { readonly name?: string; readonly group?: string; readonly kind?: string; readonly uid?: string; readonly causes?: readonly StatusCause[]; readonly retryAfterSeconds?: number };
  readonly code: number;
}

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'NotImplemented'
  | 'TooManyRequests'
  | 'Timeout';

const CODE_BY_REASON: Record<StatusReason, string> = {
  BadRequest: 'KW_APISERVER_BAD_REQUEST',
  Unauthorized: 'KW_APISERVER_UNAUTHORIZED',
  Forbidden: 'KW_APISERVER_FORBIDDEN',
  NotFound: 'KW_APISERVER_NOT_FOUND',
  AlreadyExists: 'KW_APISERVER_ALREADY_EXISTS',
  Conflict: 'KW_APISERVER_CONFLICT',
  Gone: 'KW_APISERVER_GONE',
  Expired: 'KW_APISERVER_EXPIRED',
  Invalid: 'KW_APISERVER_INVALID',
  MethodNotAllowed: 'KW_APISERVER_METHOD_NOT_ALLOWED',
  NotAcceptable: 'KW_APISERVER_NOT_ACCEPTABLE',
  UnsupportedMediaType: 'KW_APISERVER_UNSUPPORTED_MEDIA_TYPE',
  InternalError: 'KW_APISERVER_INTERNAL',
  NotImplemented: 'KW_APISERVER_NOT_IMPLEMENTED',
  TooManyRequests: 'KW_APISERVER_TOO_MANY_REQUESTS',
  Timeout: 'KW_APISERVER_TIMEOUT',
};

/** A request the API server refuses; `status` is what goes on the wire, with `status.code` as HTTP status. */
export class ApiError extends KubewireError {
  override readonly name = 'ApiError';
  readonly status: Status;

  constructor(code: number, reason: StatusReason, message: string, details?: Status['details']) {
    super(CODE_BY_REASON[reason], message);
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details === undefined ? {} : { details }),
      code,
    };
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

function details(r: ResourceType, name: string): Status['details'] {
  return { name, ...(r.group === '' ? {} : { group: r.group }), kind: r.plural };
}

/** What a body may be sent as: PATCH takes the patch types, POST/PUT the serializer's object encodings. */
const ACCEPTED_MEDIA_TYPES = {
  patch: 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json',
  object: 'application/json, application/yaml, application/vnd.kubernetes.protobuf',
} as const;

/** Constructors with the real messages (k8s.io/apimachinery/pkg/api/errors). */
export const apiErrors = {
  notFound: (r: ResourceType, name: string): ApiError => new ApiError(404, 'NotFound', `${qualifiedResource(r)} "${name}" not found`, details(r, name)),
  alreadyExists: (r: ResourceType, name: string): ApiError =>
    new ApiError(409, 'AlreadyExists', `${qualifiedResource(r)} "${name}" already exists`, details(r, name)),
  conflict: (r: ResourceType, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(r)} "${name}": ${why}`, details(r, name)),
  invalid: (r: ResourceType, name: string, errs: readonly FieldError[]): ApiError => {
    return new ApiError(422, 'Invalid', invalidObjectMessage(r, name, errs), {
      name,
      ...(r.group === '' ? {} : { group: r.group }),
      kind: r.kind,
      causes: errs.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
    });
  },
  notFoundPath: (): ApiError => new ApiError(404, 'NotFound', 'the server could not find the requested resource'),
  badRequest: (message: string): ApiError => new ApiError(400, 'BadRequest', message),
  gone: (message: string): ApiError => new ApiError(410, 'Expired', message),
  forbidden: (message: string): ApiError => new ApiError(403, 'Forbidden', message),
  methodNotAllowed: (message: string): ApiError => new ApiError(405, 'MethodNotAllowed', message),
  /** `body` picks the list the real API server names: the patch types for PATCH, the object encodings for create/update. */
  unsupportedMediaType: (type: string, body: 'patch' | 'object' = 'patch'): ApiError =>
    new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${ACCEPTED_MEDIA_TYPES[body]} (got ${type})`),
  unprocessable: (message: string): ApiError => new ApiError(422, 'Invalid', message),
  tooManyRequests: (message: string): ApiError => new ApiError(429, 'TooManyRequests', message),
};
