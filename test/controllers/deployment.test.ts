import test from 'ava';
import type { KubeObject } from '../../src/api/index.js';
import { R, REVISION, REVISION_HISTORY, rollbackDeployment, specOf, statusOf } from '../../src/controllers/index.js';
import type { ControlPlane } from '../../src/cluster/live/control-plane.js';
import { cluster, deployment, isReady, list, podsOf } from './harness.js';

function image(p: KubeObject): string {
  return String((specOf(p)['containers'] as { image?: string }[] | undefined)?.[0]?.image ?? '');
}

/** Records, after every pod event, how many pods are available and how many exist (not terminating). */
function watchBounds(cp: ControlPlane, app: string): { minAvailable: number; maxPods: number } {
  const b = { minAvailable: Infinity, maxPods: 0 };
  cp.informers.on(R.pods, () => {
    const pods = podsOf(cp, app).filter((p) => p.metadata.deletionTimestamp === undefined);
    b.minAvailable = Math.min(b.minAvailable, pods.filter(isReady).length);
    b.maxPods = Math.max(b.maxPods, pods.length);
  });
  return b;
}

function replicaSets(cp: ControlPlane, app: string): KubeObject[] {
  return list(cp, R.replicaSets)
    .filter((rs) => rs.metadata.labels?.['app'] === app)
    .sort((a, b) => Number(a.metadata.annotations?.[REVISION]) - Number(b.metadata.annotations?.[REVISION]));
}

test('a Deployment creates a ReplicaSet named by its pod-template-hash, revision 1, and reports itself available', async (t) => {
  const { cp } = await cluster(3);
  await cp.api.create(R.deployments, 'default', deployment('web', 3));
  await cp.settle();
  const [rs] = replicaSets(cp, 'web');
  if (rs === undefined) return t.fail();
  const hash = rs.metadata.labels?.['pod-template-hash'] ?? '';
  t.regex(hash, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  t.is(rs.metadata.name, `web-${hash}`);
  t.is(rs.metadata.annotations?.[REVISION], '1');
  t.is(podsOf(cp, 'web').length, 3);
  t.true(podsOf(cp, 'web').every((p) => p.metadata.name?.startsWith(`web-${hash}-`) === true && p.metadata.labels?.['pod-template-hash'] === hash));
  const d = cp.informers.get(R.deployments, 'default', 'web');
  t.is(d?.metadata.annotations?.[REVISION], '1');
  t.like(statusOf(d ?? { apiVersion: '', kind: '', metadata: {} }), { replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 0, observedGeneration: 1 });
  const conds = statusOf(d ?? { apiVersion: '', kind: '', metadata: {} })['conditions'] as { type: string; reason: string }[];
  t.deepEqual(conds.map((c) => `${c.type}=${c.reason}`), ['Available=MinimumReplicasAvailable', 'Progressing=NewReplicaSetAvailable']);
});

test('a rolling update never has fewer than replicas - maxUnavailable available pods, nor more than replicas + maxSurge pods', async (t) => {
  const { cp } = await cluster(4);
  await cp.api.create(R.deployments, 'default', deployment('web', 10, { maxSurge: 2, maxUnavailable: 1 }));
  await cp.settle();
  const bounds = watchBounds(cp, 'web');
  await cp.api.patch(R.deployments, 'default', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } });
  await cp.settle();
  t.true(bounds.minAvailable >= 9, `available went down to ${bounds.minAvailable}`);
  t.true(bounds.maxPods <= 12, `pods went up to ${bounds.maxPods}`);
  t.is(bounds.maxPods, 12, 'the surge is used: two new pods before old ones go');
  const pods = podsOf(cp, 'web');
  t.is(pods.length, 10);
  t.true(pods.every((p) => image(p) === 'nginx:1.28'));
  const rss = replicaSets(cp, 'web');
  t.deepEqual(rss.map((rs) => [rs.metadata.annotations?.[REVISION], specOf(rs)['replicas']]), [['1', 0], ['2', 10]], 'the old ReplicaSet is kept at 0 as history');
  t.like(statusOf(cp.informers.get(R.deployments, 'default', 'web') ?? { apiVersion: '', kind: '', metadata: {} }), { updatedReplicas: 10, availableReplicas: 10 });
});

test('a rollout whose new pods never become ready stalls within maxUnavailable and keeps the old pods serving', async (t) => {
  const { cp } = await cluster(3);
  await cp.api.create(R.deployments, 'default', deployment('web', 4, { maxSurge: 1, maxUnavailable: 1 }));
  await cp.settle();
  const bounds = watchBounds(cp, 'web');
  // The new template probes a port its container does not declare: its pods never pass readiness.
  await cp.api.patch(R.deployments, 'default', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:broken', readinessProbe: { tcpSocket: { port: 9999 } } }] } } } });
  await cp.settle();
  t.true(bounds.minAvailable >= 3);
  const pods = podsOf(cp, 'web').filter((p) => p.metadata.deletionTimestamp === undefined);
  t.is(pods.filter((p) => image(p) === 'nginx:1.27' && isReady(p)).length, 3, 'three old pods still serve');
  t.is(pods.filter((p) => image(p) === 'nginx:broken').length, 2, 'maxSurge 1 + maxUnavailable 1: two new pods, not ready');
  t.false(pods.some((p) => image(p) === 'nginx:broken' && isReady(p)));
  const d = cp.informers.get(R.deployments, 'default', 'web') ?? { apiVersion: '', kind: '', metadata: {} };
  t.like(statusOf(d), { availableReplicas: 3, unavailableReplicas: 1, updatedReplicas: 2 });
});

test('rollback: undo returns to the previous template, whose ReplicaSet becomes the newest revision', async (t) => {
  const { cp } = await cluster(2);
  await cp.api.create(R.deployments, 'default', deployment('web', 2));
  await cp.settle();
  await cp.api.patch(R.deployments, 'default', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } });
  await cp.settle();
  const before = replicaSets(cp, 'web').map((rs) => rs.metadata.name);
  t.is(await rollbackDeployment(cp.api, 'default', 'web'), 1);
  await cp.settle();
  const rss = replicaSets(cp, 'web');
  t.deepEqual(rss.map((rs) => rs.metadata.name).sort(), [...before].sort(), 'no new ReplicaSet: the first one is reused');
  const first = rss.find((rs) => rs.metadata.name === before[0]);
  t.is(first?.metadata.annotations?.[REVISION], '3');
  t.is(first?.metadata.annotations?.[REVISION_HISTORY], '1');
  t.true(podsOf(cp, 'web').every((p) => image(p) === 'nginx:1.27'));
  t.is(cp.informers.get(R.deployments, 'default', 'web')?.metadata.annotations?.[REVISION], '3');
  await t.throwsAsync(rollbackDeployment(cp.api, 'default', 'web', 7), { message: /unable to find specified revision 7 in history/ });
});

test('revisionHistoryLimit deletes the oldest idle ReplicaSets', async (t) => {
  const { cp } = await cluster(1);
  const d = deployment('web', 1);
  (d['spec'] as Record<string, unknown>)['revisionHistoryLimit'] = 1;
  await cp.api.create(R.deployments, 'default', d);
  await cp.settle();
  for (const tag of ['1.28', '1.29', '1.30']) {
    await cp.api.patch(R.deployments, 'default', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: `nginx:${tag}` }] } } } });
    await cp.settle();
  }
  t.deepEqual(replicaSets(cp, 'web').map((rs) => rs.metadata.annotations?.[REVISION]), ['3', '4']);
});

test('Recreate: every old pod is gone before a new one is created', async (t) => {
  const { cp } = await cluster(2);
  await cp.api.create(R.deployments, 'default', deployment('web', 3, { strategy: 'Recreate' }));
  await cp.settle();
  let overlap = false;
  cp.informers.on(R.pods, () => {
    const imgs = new Set(podsOf(cp, 'web').map(image));
    if (imgs.has('nginx:1.27') && imgs.has('nginx:2')) overlap = true;
  });
  await cp.api.patch(R.deployments, 'default', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:2' }] } } } });
  await cp.settle();
  t.false(overlap);
  t.deepEqual(podsOf(cp, 'web').map(image), ['nginx:2', 'nginx:2', 'nginx:2']);
});

test('scaling a Deployment scales its ReplicaSet', async (t) => {
  const { cp } = await cluster(3);
  await cp.api.create(R.deployments, 'default', deployment('web', 2));
  await cp.settle();
  await cp.api.patch(R.deployments, 'default', 'web', 'merge', { spec: { replicas: 5 } });
  await cp.settle();
  t.is(podsOf(cp, 'web').length, 5);
  await cp.api.patch(R.deployments, 'default', 'web', 'merge', { spec: { replicas: 1 } });
  await cp.settle();
  t.is(podsOf(cp, 'web').length, 1);
});
