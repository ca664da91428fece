import test from 'ava';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../src/api/index.js';
import { CONTROLLER_REVISION_HASH, R, SERVICE_NAME_LABEL, specOf, statusOf } from '../../src/controllers/index.js';
import { resolveFqdn, type DnsSource } from '../../src/dns/index.js';
import { cluster, list, podIp } from './harness.js';

type Cp = Awaited<ReturnType<typeof cluster>>['cp'];

function statefulSet(replicas: number, extra: { image?: string; parallel?: boolean; partition?: number } = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      replicas,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      ...(extra.parallel === true ? { podManagementPolicy: 'Parallel' } : {}),
      ...(extra.partition === undefined ? {} : { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: extra.partition } } }),
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: extra.image ?? 'db:1', ports: [{ name: 'sql', containerPort: 5432 }] }] } },
    },
  };
}

function pods(cp: Cp): KubeObject[] {
  return list(cp, R.pods)
    .filter((p) => p.metadata.labels?.['app'] === 'db' && p.metadata.deletionTimestamp === undefined)
    .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
}

const image = (p: KubeObject): string => (specOf(p)['containers'] as { image: string }[])[0]?.image ?? '';

test('pods are named by ordinal with a stable hostname under the governing Service, and each resolves by name', async (t) => {
  const { cp } = await cluster(3);
  await cp.api.create(R.services, 'default', { metadata: { name: 'db' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'sql', port: 5432 }] } });
  await cp.api.create(R.statefulSets, 'default', statefulSet(3));
  await cp.settle();
  const ps = pods(cp);
  t.deepEqual(ps.map((p) => p.metadata.name), ['db-0', 'db-1', 'db-2']);
  t.like(specOf(ps[1] ?? ({} as KubeObject)), { hostname: 'db-1', subdomain: 'db' });
  t.like(ps[1]?.metadata.labels, { 'statefulset.kubernetes.io/pod-name': 'db-1', 'apps.kubernetes.io/pod-index': '1' });
  t.regex(ps[1]?.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? '', /^db-[a-z0-9]+$/);
  const dns: DnsSource = {
    service: (ns, name) => cp.informers.get(R.services, ns, name) as Service | undefined,
    slices: (ns, svc) => list(cp, R.endpointSlices).filter((s) => s.metadata.namespace === ns && s.metadata.labels?.[SERVICE_NAME_LABEL] === svc) as unknown as EndpointSlice[],
  };
  const a = resolveFqdn(dns, 'db-1.db.default.svc.cluster.local', 'A');
  t.deepEqual(a.answers.map((r) => r.data), [podIp(ps[1] ?? ({} as KubeObject))]);
  const sts = cp.informers.get(R.statefulSets, 'default', 'db');
  t.like(statusOf(sts ?? ({} as KubeObject)), { replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3 });
});

test('OrderedReady: ordinal n is made only once the ones below it are Running and Ready; scale-down removes the highest first', async (t) => {
  const { cp } = await cluster(2);
  const made: string[] = [];
  cp.informers.on(R.pods, (type, p) => {
    if (type === 'ADDED' && p.metadata.labels?.['app'] === 'db') made.push(`${p.metadata.name ?? ''}:${pods(cp).filter((q) => statusOf(q)['phase'] === 'Running').length}`);
  });
  await cp.api.create(R.statefulSets, 'default', statefulSet(3));
  await cp.settle();
  // When db-1 was created db-0 was already running, and so on.
  t.deepEqual(made, ['db-0:0', 'db-1:1', 'db-2:2']);
  const gone: string[] = [];
  cp.informers.on(R.pods, (type, p) => {
    if (type === 'DELETED' && p.metadata.labels?.['app'] === 'db') gone.push(p.metadata.name ?? '');
  });
  await cp.api.patch(R.statefulSets, 'default', 'db', 'merge', { spec: { replicas: 1 } });
  await cp.settle();
  t.deepEqual(gone, ['db-2', 'db-1']);
  t.deepEqual(pods(cp).map((p) => p.metadata.name), ['db-0']);
});

test('a template change rolls from the highest ordinal down to the partition; the partition then lowered finishes it', async (t) => {
  const { cp } = await cluster(2);
  await cp.api.create(R.statefulSets, 'default', statefulSet(3, { partition: 1 }));
  await cp.settle();
  await cp.api.patch(R.statefulSets, 'default', 'db', 'merge', { spec: { template: { spec: { containers: [{ name: 'db', image: 'db:2' }] } } } });
  await cp.settle();
  t.deepEqual(pods(cp).map((p) => `${p.metadata.name ?? ''}=${image(p)}`), ['db-0=db:1', 'db-1=db:2', 'db-2=db:2']);
  const mid = statusOf(cp.informers.get(R.statefulSets, 'default', 'db') ?? ({} as KubeObject));
  t.like(mid, { replicas: 3, updatedReplicas: 2, currentReplicas: 1 });
  t.not(mid['currentRevision'], mid['updateRevision']);
  // A pod below the partition that is deleted comes back at the current revision.
  await cp.api.delete(R.pods, 'default', 'db-0');
  await cp.settle();
  t.is(image(pods(cp)[0] ?? ({} as KubeObject)), 'db:1');
  await cp.api.patch(R.statefulSets, 'default', 'db', 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
  await cp.settle();
  t.deepEqual(pods(cp).map(image), ['db:2', 'db:2', 'db:2']);
  const done = statusOf(cp.informers.get(R.statefulSets, 'default', 'db') ?? ({} as KubeObject));
  t.is(done['currentRevision'], done['updateRevision']);
  t.like(done, { currentReplicas: 3, updatedReplicas: 3 });
});

test('Parallel makes every pod at once', async (t) => {
  const { cp } = await cluster(2);
  const made: number[] = [];
  cp.informers.on(R.pods, (type, p) => {
    if (type === 'ADDED' && p.metadata.labels?.['app'] === 'db') made.push(pods(cp).filter((q) => statusOf(q)['phase'] === 'Running').length);
  });
  await cp.api.create(R.statefulSets, 'default', statefulSet(3, { parallel: true }));
  await cp.settle();
  t.deepEqual(made, [0, 0, 0], 'none was running when the others were made');
  t.is(pods(cp).length, 3);
});
