import type { FastifyRequest } from 'fastify';
import { resourceByPlural, type ResourceType } from '../api/index.js';
import { apiErrors } from '../apiserver/index.js';

/** Where a REST path points: a resource, maybe a namespace, name and subresource. */
export interface ResourceLocation {
  readonly r: ResourceType;
  /** "" for cluster-scoped resources and for lists across all namespaces. */
  readonly namespace: string;
  readonly name?: string;
  readonly subresource?: string;
}

const notFound = (): never => {
  throw apiErrors.notFoundPath();
};

/**
 * Parses the part after /api/v1/ or /apis/<group>/<version>/:
 * `<plural>[/<name>[/<sub>]]` or `namespaces/<ns>/<plural>[/<name>[/<sub>]]`
 * (and `namespaces/<name>/status` for the namespace's own status).
 */
export function locate(group: string, version: string, rest: string): ResourceLocation {
  const segs = rest.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  const find = (plural: string | undefined): ResourceType | undefined => {
    if (plural === undefined) return undefined;
    const r = resourceByPlural(group, plural);
    return r !== undefined && r.version === version ? r : undefined;
  };
  if (segs[0] === 'namespaces' && segs.length >= 3 && find(segs[2]) !== undefined) {
    const r = find(segs[2]) ?? notFound();
    if (!r.namespaced || segs.length > 5) notFound();
    return { r, namespace: segs[1] ?? '', ...(segs[3] === undefined ? {} : { name: segs[3] }), ...(segs[4] === undefined ? {} : { subresource: segs[4] }) };
  }
  // `namespaces/<ns>/<plural>` for a plural this server does not serve is a 404, as kube-apiserver answers, not the
  // namespace's subresource `<plural>`: a Namespace has only status and finalize.
  if (segs[0] === 'namespaces' && segs.length >= 3 && segs[2] !== 'status' && segs[2] !== 'finalize') notFound();
  const r = find(segs[0]) ?? notFound();
  if (segs.length > 3 || (r.namespaced && segs.length > 1)) notFound();
  return { r, namespace: '', ...(segs[1] === undefined ? {} : { name: segs[1] }), ...(segs[2] === undefined ? {} : { subresource: segs[2] }) };
}

export type Query = Record<string, string | undefined>;

/** Query parameters as single strings (the last value wins when repeated). */
export function queryOf(req: FastifyRequest): Query {
  const out: Query = {};
  const q = req.query;
  if (q !== null && typeof q === 'object') {
    for (const [k, v] of Object.entries(q)) {
      if (typeof v === 'string') out[k] = v;
      else if (Array.isArray(v) && typeof v[v.length - 1] === 'string') out[k] = String(v[v.length - 1]);
    }
  }
  return out;
}

export function wantsTable(req: FastifyRequest): boolean {
  return /as=Table/.test(req.headers.accept ?? '');
}

export function wantsPartialMetadata(req: FastifyRequest): boolean {
  return /as=PartialObjectMetadata/.test(req.headers.accept ?? '');
}

export function intParam(q: Query, name: string): number | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw apiErrors.badRequest(`invalid value for ${name}: "${v}" is not an integer`);
  return Number(v);
}
