import { ApiServer, bootstrapNamespaces, MemoryStore, rngIds } from '../../src/apiserver/index.js';
import { resourceByPlural, type ResourceType } from '../../src/api/index.js';
import { Rng, SimulatedClock } from '../../src/lib/index.js';

/** Builders shared by the api, apiserver and server tests. */
export function rt(group: string, plural: string): ResourceType {
  const r = resourceByPlural(group, plural);
  if (r === undefined) throw new Error(`no resource ${plural}`);
  return r;
}

export const R = {
  ns: rt('', 'namespaces'),
  node: rt('', 'nodes'),
  pod: rt('', 'pods'),
  svc: rt('', 'services'),
  ep: rt('', 'endpoints'),
  deploy: rt('apps', 'deployments'),
  ds: rt('apps', 'daemonsets'),
  rs: rt('apps', 'replicasets'),
  slice: rt('discovery.k8s.io', 'endpointslices'),
};

/** 2025-01-01T00:00:00Z */
export const T0 = Date.UTC(2025, 0, 1);

export async function newApi(): Promise<{ api: ApiServer; store: MemoryStore; clock: SimulatedClock }> {
  const store = new MemoryStore();
  const clock = new SimulatedClock(T0);
  const rng = new Rng(7);
  const api = new ApiServer({ store, clock, ids: rngIds(rng), rng });
  await bootstrapNamespaces(api);
  return { api, store, clock };
}

export function deployment(name = 'web', replicas = 2): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'nginx:1.27', ports: [{ containerPort: 80, name: 'http' }] }] },
      },
    },
  };
}

export function service(name = 'web', spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec },
  };
}

export function pod(name = 'p1', spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec },
  };
}
