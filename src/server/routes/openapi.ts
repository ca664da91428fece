import type { FastifyInstance } from 'fastify';
import { groupVersion, RESOURCE_TYPES, type ResourceType } from '../../api/index.js';

/**
 * A minimal OpenAPI v3, for what kubectl 1.32 asks of it:
 * - `--validate=strict` (apply/create's default) looks for a PATCH operation carrying the GVK
 *   extension and a `fieldValidation` parameter; finding it, kubectl leaves validation to the server
 *   instead of failing with "failed to download openapi".
 * - client-side apply looks for `application/strategic-merge-patch+json` among the PATCH request
 *   bodies; it is left out on purpose, so kubectl computes the patch from its compiled-in types,
 *   which carry the real patchMergeKey metadata (the schemas here are not full type definitions).
 * There is no /openapi/v2: kubectl treats its absence as "no schema" and carries on.
 */
function gvPath(r: { group: string; version: string }): string {
  return r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
}

const HASH = 'kubewire0';

function gvDocument(group: string, version: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const r of RESOURCE_TYPES.filter((t: ResourceType) => t.group === group && t.version === version)) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const prefix = `/${gvPath(r)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
    const params = [
      { name: 'dryRun', in: 'query', schema: { type: 'string' } },
      { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
      { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
    ];
    const ref = { $ref: `#/components/schemas/${schemaName(r)}` };
    const op = (action: string): Record<string, unknown> => ({
      operationId: `${action}${r.kind}`,
      parameters: params,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
    });
    paths[prefix] = { post: op('post'), get: op('list') };
    paths[`${prefix}/{name}`] = {
      get: op('get'),
      put: op('put'),
      delete: op('delete'),
      patch: {
        ...op('patch'),
        requestBody: {
          content: {
            'application/apply-patch+yaml': { schema: { type: 'object' } },
            'application/json-patch+json': { schema: { type: 'object' } },
            'application/merge-patch+json': { schema: { type: 'object' } },
          },
          required: true,
        },
      },
    };
    schemas[schemaName(r)] = {
      type: 'object',
      description: `${r.kind} (kubewire serves a minimal schema)`,
      'x-kubernetes-group-version-kind': [gvk],
      'x-kubernetes-preserve-unknown-fields': true,
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-kubewire' },
    paths,
    components: { schemas },
  };
}

function schemaName(r: ResourceType): string {
  const pkg = r.group === '' ? 'core' : r.group.split('.')[0] ?? r.group;
  return `io.k8s.api.${pkg}.${r.version}.${r.kind}`;
}

export function openapiRoutes(app: FastifyInstance): void {
  const gvs = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCE_TYPES) gvs.set(groupVersion(r), { group: r.group, version: r.version });
  app.get('/openapi/v3', async () => ({
    paths: Object.fromEntries([...gvs.values()].map((g) => [gvPath(g), { serverRelativeURL: `/openapi/v3/${gvPath(g)}?hash=${HASH}` }])),
  }));
  for (const g of gvs.values()) {
    const doc = gvDocument(g.group, g.version);
    app.get(`/openapi/v3/${gvPath(g)}`, async () => doc);
  }
}
