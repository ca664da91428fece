import Fastify, { type FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { apiErrors, type ApiServer } from '../apiserver/index.js';
import type { Clock } from '../lib/index.js';
import { bearerAuth } from './auth.js';
import { parseProtobufBody, PROTOBUF_MEDIA_TYPE } from './protobuf/index.js';
import type { RulesService, TraceService } from './kubewire-services.js';
import { accessReviewRoutes } from './routes/access-review.js';
import { discoveryRoutes } from './routes/discovery.js';
import { kubewireRoutes } from './routes/kubewire.js';
import { openapiRoutes } from './routes/openapi.js';
import { resourceRoutes } from './routes/resources.js';
import { realTimers, type WatchTimers } from './routes/watch-stream.js';
import { errorHandler, notFoundHandler } from './status.js';

export interface AppDeps {
  readonly api: ApiServer;
  /** For the AGE column of Tables (the same clock the ApiServer stamps creationTimestamp with). */
  readonly clock: Clock;
  readonly trace?: TraceService;
  readonly rules?: RulesService;
  /** When set, every request needs `Authorization: Bearer <token>` (401 otherwise). */
  readonly token?: string;
  /** Timers for watch timeouts; real timers by default. */
  readonly timers?: WatchTimers;
  readonly logger?: boolean;
}

/** kube-apiserver's request body limit (3 MiB). */
const BODY_LIMIT = 3 * 1024 * 1024;

const JSON_TYPES = ['application/strategic-merge-patch+json', 'application/merge-patch+json', 'application/json-patch+json', 'application/apply-patch+json'];

/**
 * The HTTP face of the API server: routes only, no listen (tests drive it with `app.inject()`).
 * Every error leaves as a Kubernetes Status with the matching HTTP code.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({ logger: deps.logger ?? false, bodyLimit: BODY_LIMIT, routerOptions: { maxParamLength: 1000 } });
  if (deps.token !== undefined) bearerAuth(app, deps.token);
  const parseJson = (_req: unknown, body: string | Buffer, done: (err: Error | null, v?: unknown) => void): void => {
    const text = body.toString();
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch (e) {
      done(apiErrors.badRequest(`the request body is not valid JSON: ${(e as Error).message}`));
    }
  };
  // fastify's own parsers would accept text/plain and read JSON its way; the API server accepts only its media types.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', ...JSON_TYPES], { parseAs: 'string' }, parseJson);
  app.addContentTypeParser(['application/apply-patch+yaml', 'application/yaml'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseYaml(body.toString()) as unknown);
    } catch (e) {
      done(apiErrors.badRequest(`the request body is not valid YAML: ${(e as Error).message}`));
    }
  });
  // Typed clients (kubectl create deployment/service/configmap/...) send Kubernetes' protobuf encoding.
  app.addContentTypeParser(PROTOBUF_MEDIA_TYPE, { parseAs: 'buffer' }, (req, body, done) => {
    const parsed = parseProtobufBody(req.method, typeof body === 'string' ? Buffer.from(body) : body);
    if ('error' in parsed) done(parsed.error);
    else done(null, parsed.value);
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, _body, done) => {
    done(apiErrors.unsupportedMediaType(req.headers['content-type'] ?? '(none)', req.method === 'PATCH' ? 'patch' : 'object'));
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  discoveryRoutes(app);
  openapiRoutes(app);
  accessReviewRoutes(app);
  resourceRoutes(app, { api: deps.api, clock: deps.clock, timers: deps.timers ?? realTimers });
  kubewireRoutes(app, { ...(deps.trace === undefined ? {} : { trace: deps.trace }), ...(deps.rules === undefined ? {} : { rules: deps.rules }) });
  return app;
}
