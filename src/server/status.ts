import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, isApiError, type Status, type StatusReason } from '../apiserver/index.js';
import { errorMessage, isKubewireError } from '../lib/index.js';

/** Domain error → HTTP status + Kubernetes Status body, the shape kubectl turns into its error lines. */
const REASON_BY_CODE: Readonly<Record<number, StatusReason>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'BadRequest',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  501: 'NotImplemented',
};

export function statusOf(e: unknown): Status {
  if (isApiError(e)) return e.status;
  if (isKubewireError(e)) return new ApiError(400, 'BadRequest', e.message).status;
  const code = (e as Partial<FastifyError>).statusCode;
  if (typeof code === 'number' && code >= 400 && code < 500) {
    return new ApiError(code, REASON_BY_CODE[code] ?? 'BadRequest', errorMessage(e)).status;
  }
  return new ApiError(500, 'InternalError', `Internal error occurred: ${errorMessage(e)}`).status;
}

export function sendStatus(reply: FastifyReply, status: Status): FastifyReply {
  return reply.code(status.code).type('application/json').send(status);
}

export function errorHandler(e: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const st = statusOf(e);
  if (st.code >= 500) req.log.error({ err: e }, 'internal error');
  return sendStatus(reply, st);
}

export function notFoundHandler(_req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendStatus(reply, new ApiError(404, 'NotFound', 'the server could not find the requested resource').status);
}
