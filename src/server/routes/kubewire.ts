import type { FastifyInstance } from 'fastify';
import { isJsonObject } from '../../api/index.js';
import { ApiError, apiErrors } from '../../apiserver/index.js';
import type { RulesService, TraceRequest, TraceService } from '../kubewire-services.js';
import { queryOf } from '../request.js';

function notImplemented(what: string): ApiError {
  return new ApiError(501, 'NotImplemented', `${what} is not available: this server was started without a cluster`);
}

function traceRequest(body: unknown): TraceRequest {
  if (!isJsonObject(body)) throw apiErrors.badRequest('the trace request must be a JSON object {from, to, port?, protocol?}');
  const { from, to, port, protocol } = body;
  if (typeof from !== 'string' || from === '') throw apiErrors.badRequest('trace request: "from" is required');
  if (typeof to !== 'string' || to === '') throw apiErrors.badRequest('trace request: "to" is required');
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)) {
    throw apiErrors.badRequest('trace request: "port" must be between 1 and 65535');
  }
  if (protocol !== undefined && protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') {
    throw apiErrors.badRequest('trace request: "protocol" must be TCP, UDP or SCTP');
  }
  return { from, to, ...(port === undefined ? {} : { port }), ...(protocol === undefined ? {} : { protocol }) };
}

/** /kubewire/v1/trace and /kubewire/v1/nodes/<node>/rules over injected services; 501 without them. */
export function kubewireRoutes(app: FastifyInstance, deps: { trace?: TraceService; rules?: RulesService }): void {
  app.post('/kubewire/v1/trace', async (req) => {
    if (deps.trace === undefined) throw notImplemented('tracing');
    return deps.trace.trace(traceRequest(req.body));
  });
  app.get<{ Params: { node: string } }>('/kubewire/v1/nodes/:node/rules', async (req, reply) => {
    if (deps.rules === undefined) throw notImplemented('rule listing');
    const result = await deps.rules.rules(req.params.node, queryOf(req)['format']);
    if (result === undefined) throw new ApiError(404, 'NotFound', `nodes "${req.params.node}" not found`, { name: req.params.node, kind: 'nodes' });
    if (typeof result === 'string') return reply.type('text/plain; charset=utf-8').send(result);
    return result;
  });
}
