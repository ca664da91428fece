import type { FastifyInstance } from 'fastify';
import { groupVersion, RESOURCE_TYPES, RESOURCE_VERBS, type ResourceType } from '../../api/index.js';

/**
 * Legacy (unaggregated) discovery: /version, /api, /api/v1, /apis, /apis/<group>/<version>.
 * kubectl 1.32 first asks for aggregated discovery (apidiscovery.k8s.io/v2) in its Accept header;
 * answering with plain application/json makes client-go fall back to these documents, which it handles.
 */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-kubewire',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
} as const;

/**
 * Groups that serve at least one resource: client-go refuses a group version whose resource list is empty
 * ("received empty response for: policy/v1"), which would break `kubectl api-resources`. (policy/v1 is served for its
 * PodDisruptionBudgets; kubectl finds evictions through the pods/eviction entry of /api/v1, as drain's
 * CheckEvictionSupport does.)
 */
function groupsServed(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCE_TYPES) if (r.group !== '') seen.set(groupVersion(r), { group: r.group, version: r.version });
  return [...seen.values()];
}

function resourceList(group: string, version: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const r of RESOURCE_TYPES.filter((t: ResourceType) => t.group === group && t.version === version)) {
    out.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: RESOURCE_VERBS,
      ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length > 0 ? { categories: r.categories } : {}),
    });
    for (const sub of r.subresources) {
      const base = { name: `${r.plural}/${sub}`, singularName: '', namespaced: r.namespaced };
      if (sub === 'status') out.push({ ...base, kind: r.kind, verbs: ['get', 'patch', 'update'] });
      if (sub === 'scale') out.push({ ...base, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
      if (sub === 'eviction') out.push({ ...base, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
    }
    if (r.kind === 'Pod') out.push({ name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] });
  }
  return out;
}

export function discoveryRoutes(app: FastifyInstance): void {
  app.get('/version', async () => SERVER_VERSION);
  for (const p of ['/healthz', '/livez', '/readyz']) app.get(p, async (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/api', async () => ({
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:0' }],
  }));
  app.get('/api/v1', async () => ({ kind: 'APIResourceList', groupVersion: 'v1', resources: resourceList('', 'v1') }));
  app.get('/apis', async () => ({
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupsServed().map((g) => {
      const gv = { groupVersion: `${g.group}/${g.version}`, version: g.version };
      return { name: g.group, versions: [gv], preferredVersion: gv };
    }),
  }));
  for (const g of groupsServed()) {
    app.get(`/apis/${g.group}`, async () => {
      const gv = { groupVersion: `${g.group}/${g.version}`, version: g.version };
      return { kind: 'APIGroup', apiVersion: 'v1', name: g.group, versions: [gv], preferredVersion: gv };
    });
    app.get(`/apis/${g.group}/${g.version}`, async () => ({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${g.group}/${g.version}`,
      resources: resourceList(g.group, g.version),
    }));
  }
}
