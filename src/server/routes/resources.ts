import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isJsonObject, type KubeObject } from '../../api/index.js';
import {
  apiErrors,
  bindPod,
  evictPod,
  getScale,
  patchScale,
  patchTypeFromContentType,
  updateScale,
  type ApiServer,
  type DeleteOptions,
  type ObjectList,
} from '../../apiserver/index.js';
import type { Clock } from '../../lib/index.js';
import { partialObjectMetadata, toTable, type IncludeObject } from '../table/table.js';
import { intParam, locate, queryOf, wantsPartialMetadata, wantsTable, type Query, type ResourceLocation } from '../request.js';
import { serveWatch, type WatchTimers } from './watch-stream.js';

export interface ResourceRouteDeps {
  readonly api: ApiServer;
  readonly clock: Clock;
  readonly timers: WatchTimers;
}

function includeObject(q: Query): IncludeObject {
  const v = q['includeObject'];
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** Shapes a response as the Accept header asks: the object/list, a Table, or metadata only. */
function render(req: FastifyRequest, deps: ResourceRouteDeps, loc: ResourceLocation, body: KubeObject | ObjectList): unknown {
  const isList = 'items' in body && Array.isArray(body.items) && !('spec' in body);
  if (wantsTable(req) && loc.subresource === undefined) {
    const items = isList ? (body as ObjectList).items : [body as KubeObject];
    const rv = isList ? (body as ObjectList).metadata.resourceVersion : (body as KubeObject).metadata.resourceVersion;
    return toTable(loc.r.kind, items, { nowMs: deps.clock.now(), includeObject: includeObject(queryOf(req)), ...(rv === undefined ? {} : { resourceVersion: rv }) });
  }
  if (wantsPartialMetadata(req)) {
    if (!isList) return partialObjectMetadata(body as KubeObject);
    const l = body as ObjectList;
    return { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: l.metadata, items: l.items.map(partialObjectMetadata) };
  }
  return body;
}

function deleteOptions(q: Query, body: unknown): DeleteOptions {
  const b = isJsonObject(body) ? body : {};
  const grace = intParam(q, 'gracePeriodSeconds') ?? (typeof b['gracePeriodSeconds'] === 'number' ? b['gracePeriodSeconds'] : undefined);
  const pre = isJsonObject(b['preconditions']) ? b['preconditions'] : undefined;
  const preconditions = {
    ...(typeof pre?.['uid'] === 'string' ? { uid: pre['uid'] } : {}),
    ...(typeof pre?.['resourceVersion'] === 'string' ? { resourceVersion: pre['resourceVersion'] } : {}),
  };
  const dryRun = q['dryRun'] === 'All' || (Array.isArray(b['dryRun']) && b['dryRun'].includes('All'));
  return { ...(grace === undefined ? {} : { gracePeriodSeconds: grace }), preconditions, dryRun };
}

function requireName(loc: ResourceLocation, verb: string): string {
  if (loc.name === undefined) throw apiErrors.methodNotAllowed(`${verb} needs a resource name`);
  return loc.name;
}

function checkSub(loc: ResourceLocation, allowed: readonly string[]): 'status' | 'scale' | undefined {
  const s = loc.subresource;
  if (s === undefined) return undefined;
  if (!allowed.includes(s) || !(loc.r.subresources as readonly string[]).includes(s)) throw apiErrors.notFoundPath();
  return s as 'status' | 'scale';
}

async function handle(req: FastifyRequest, reply: FastifyReply, deps: ResourceRouteDeps, loc: ResourceLocation): Promise<unknown> {
  const { api } = deps;
  const { r, namespace } = loc;
  const q = queryOf(req);
  const writeOpts = { dryRun: q['dryRun'] === 'All', ...(q['fieldManager'] === undefined ? {} : { fieldManager: q['fieldManager'] }) };
  const listOpts = {
    ...(q['labelSelector'] === undefined ? {} : { labelSelector: q['labelSelector'] }),
    ...(q['fieldSelector'] === undefined ? {} : { fieldSelector: q['fieldSelector'] }),
  };
  if (r.namespaced && namespace === '' && req.method !== 'GET' && !(req.method === 'DELETE' && loc.name === undefined)) {
    throw apiErrors.notFoundPath();
  }
  switch (req.method) {
    case 'GET': {
      if (loc.name === undefined) {
        if (q['watch'] === 'true' || q['watch'] === '1') {
          return serveWatch(req, reply, deps, loc, { ...listOpts, ...(q['resourceVersion'] === undefined ? {} : { resourceVersion: q['resourceVersion'] }) });
        }
        return render(req, deps, loc, await api.list(r, namespace, listOpts));
      }
      const sub = checkSub(loc, ['status', 'scale']);
      if (sub === 'scale') return getScale(api, r, namespace, loc.name);
      return render(req, deps, loc, await api.get(r, namespace, loc.name));
    }
    case 'POST': {
      if (loc.name === undefined) {
        const created = await api.create(r, namespace, req.body, writeOpts);
        return reply.code(201).send(render(req, deps, loc, created));
      }
      if (r.kind === 'Pod' && loc.subresource === 'eviction') return reply.code(201).send(await evictPod(api, namespace, loc.name, req.body));
      if (r.kind === 'Pod' && loc.subresource === 'binding') return reply.code(201).send(await bindPod(api, namespace, loc.name, req.body));
      throw apiErrors.methodNotAllowed('POST is not supported on this path');
    }
    case 'PUT': {
      const name = requireName(loc, 'update');
      const sub = checkSub(loc, ['status', 'scale']);
      if (sub === 'scale') return updateScale(api, r, namespace, name, req.body);
      return api.update(r, namespace, name, req.body, { ...writeOpts, ...(sub === undefined ? {} : { subresource: sub }) });
    }
    case 'PATCH': {
      const name = requireName(loc, 'patch');
      const type = patchTypeFromContentType(req.headers['content-type']);
      const sub = checkSub(loc, ['status', 'scale']);
      if (sub === 'scale') return patchScale(api, r, namespace, name, type, req.body);
      const existed = type === 'apply' ? (await api.store.get(api.key(r, namespace, name))) !== undefined : true;
      const out = await api.patch(r, namespace, name, type, req.body, {
        ...writeOpts,
        ...(sub === undefined ? {} : { subresource: sub }),
        ...(q['force'] === 'true' ? { force: true } : {}),
      });
      return reply.code(existed ? 200 : 201).send(out);
    }
    case 'DELETE': {
      const opts = deleteOptions(q, req.body);
      if (loc.name === undefined) return api.deleteCollection(r, namespace, listOpts, opts);
      checkSub(loc, []);
      return api.delete(r, namespace, loc.name, opts);
    }
    default:
      throw apiErrors.methodNotAllowed(`${req.method} is not supported`);
  }
}

/** The Kubernetes REST paths for every served resource: /api/v1/... and /apis/<group>/<version>/... */
export function resourceRoutes(app: FastifyInstance, deps: ResourceRouteDeps): void {
  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
  app.route<{ Params: { '*': string } }>({
    method: [...methods],
    url: '/api/v1/*',
    handler: async (req, reply) => handle(req, reply, deps, locate('', 'v1', req.params['*'])),
  });
  app.route<{ Params: { group: string; version: string; '*': string } }>({
    method: [...methods],
    url: '/apis/:group/:version/*',
    handler: async (req, reply) => handle(req, reply, deps, locate(req.params.group, req.params.version, req.params['*'])),
  });
}
