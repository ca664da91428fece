import test from 'ava';
import { registeredResource, type KubeObject } from '../../src/api/index.js';
import { evictPod, isApiError } from '../../src/apiserver/index.js';
import type { ControlPlane } from '../../src/cluster/live/control-plane.js';
import { R } from '../../src/controllers/index.js';
import { cluster, deployment, podsOf } from './harness.js';

function budget(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } };
}

function statusOf(cp: ControlPlane, name: string): Record<string, unknown> {
  return (cp.informers.get(R.podDisruptionBudgets, 'default', name)?.['status'] ?? {}) as Record<string, unknown>;
}

async function webWith(spec: Record<string, unknown>, replicas = 3): Promise<ControlPlane> {
  const { cp } = await cluster(2);
  await cp.api.create(R.deployments, 'default', deployment('web', replicas));
  await cp.api.create(R.podDisruptionBudgets, 'default', budget('web', spec));
  await cp.settle();
  return cp;
}

test('the disruption controller counts a budget: expected from the Deployment\'s scale, desired from min/max, percentages rounded up', async (t) => {
  const cases: [Record<string, unknown>, number, number][] = [
    // [spec, desiredHealthy, disruptionsAllowed] with 3 ready replicas
    [{ minAvailable: 2 }, 2, 1],
    [{ minAvailable: '50%' }, 2, 1],
    [{ maxUnavailable: 1 }, 2, 1],
    [{ maxUnavailable: '50%' }, 1, 2],
    [{ minAvailable: 3 }, 3, 0],
    [{}, 0, 0],
  ];
  for (const [spec, desired, allowed] of cases) {
    const cp = await webWith(spec);
    const st = statusOf(cp, 'web');
    const expected = Object.keys(spec).length === 0 ? 0 : 3;
    t.like(st, { observedGeneration: 1, currentHealthy: 3, desiredHealthy: desired, expectedPods: expected, disruptionsAllowed: allowed }, JSON.stringify(spec));
    t.like((st['conditions'] as unknown[])[0], { type: 'DisruptionAllowed', status: allowed > 0 ? 'True' : 'False', reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods' });
  }
});

test('a spec change is counted again (observedGeneration follows), a scale change moves expectedPods', async (t) => {
  const cp = await webWith({ maxUnavailable: 1 });
  await cp.api.patch(R.podDisruptionBudgets, 'default', 'web', 'merge', { spec: { maxUnavailable: 2 } });
  await cp.settle();
  t.like(statusOf(cp, 'web'), { observedGeneration: 2, desiredHealthy: 1, disruptionsAllowed: 2 });
  await cp.api.patch(R.deployments, 'default', 'web', 'merge', { spec: { replicas: 5 } });
  await cp.settle();
  t.like(statusOf(cp, 'web'), { expectedPods: 5, currentHealthy: 5, desiredHealthy: 3, disruptionsAllowed: 2 });
});

test('pods without a controller count for an integer minAvailable only; a DaemonSet has no scale, so the budget fails safe', async (t) => {
  const { cp } = await cluster(1);
  for (const n of ['a', 'b']) {
    await cp.api.create(R.pods, 'default', { metadata: { name: n, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  }
  await cp.api.create(R.podDisruptionBudgets, 'default', budget('int', { minAvailable: 1 }));
  await cp.api.create(R.podDisruptionBudgets, 'default', { ...budget('pct', { maxUnavailable: '50%' }), spec: { selector: { matchLabels: { app: 'web' } }, maxUnavailable: '50%' } });
  await cp.settle();
  t.like(statusOf(cp, 'int'), { expectedPods: 2, currentHealthy: 2, desiredHealthy: 1, disruptionsAllowed: 1 });
  t.like(statusOf(cp, 'pct'), { expectedPods: 0, disruptionsAllowed: 0 }, 'unmanaged pods are not expected');
  const events = (await cp.api.list(registeredResource('', 'events'), 'default')).items;
  t.true(
    events.some((e) => e['reason'] === 'UnmanagedPods' && (e['involvedObject'] as { name?: string }).name === 'pct'),
    'kubectl describe pdb pct says why its pods are not counted',
  );
  await cp.api.create(R.daemonSets, 'default', {
    metadata: { name: 'agent' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent' }] } } },
  });
  await cp.api.create(R.podDisruptionBudgets, 'default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, maxUnavailable: 1 } });
  await cp.settle();
  const st = statusOf(cp, 'agent');
  t.is(st['disruptionsAllowed'], 0);
  t.like((st['conditions'] as unknown[])[0], { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'daemonsets.apps does not implement the scale subresource' });
});

async function evictionError(p: Promise<unknown>): Promise<{ code: number; message: string; causes: unknown }> {
  try {
    await p;
  } catch (e) {
    if (isApiError(e)) return { code: e.status.code, message: e.status.message, causes: e.status.details?.causes };
    throw e;
  }
  return { code: 0, message: 'no error', causes: undefined };
}

test('an eviction spends the budget: the first goes through, the next is refused with 429 until a replacement is Ready', async (t) => {
  const cp = await webWith({ minAvailable: 2 });
  const [first, second] = podsOf(cp, 'web').map((p) => p.metadata.name ?? '');
  const ok = await evictPod(cp.api, 'default', first ?? '', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: first } });
  t.like(ok, { status: 'Success', code: 201 });
  const spent = statusOf(cp, 'web');
  t.is(spent['disruptionsAllowed'], 0);
  t.deepEqual(Object.keys(spent['disruptedPods'] as Record<string, string>), [first]);
  const evicted = cp.informers.get(R.pods, 'default', first ?? '') as KubeObject | undefined;
  t.not(evicted?.metadata.deletionTimestamp, undefined, 'deleted gracefully');
  t.like(((evicted?.['status'] as { conditions?: unknown[] }).conditions ?? []).find((c) => (c as { type?: string }).type === 'DisruptionTarget'), {
    status: 'True',
    reason: 'EvictionByEvictionAPI',
    message: 'Eviction API: evicting',
  });
  const refused = await evictionError(evictPod(cp.api, 'default', second ?? '', {}));
  // The eviction spent the allowance only: currentHealthy is the controller's count, not yet redone (as on a real server).
  t.deepEqual(refused, {
    code: 429,
    message: "Cannot evict pod as it would violate the pod's disruption budget.",
    causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 3 currently' }],
  });
  t.is(cp.informers.get(R.pods, 'default', second ?? '')?.metadata.deletionTimestamp, undefined, 'the refused pod is untouched');
  // The ReplicaSet replaces the evicted pod; once it is Ready the budget allows one disruption again.
  await cp.settle();
  t.like(statusOf(cp, 'web'), { currentHealthy: 3, disruptionsAllowed: 1 });
  t.like(await evictPod(cp.api, 'default', second ?? '', {}), { status: 'Success' });
});

test('eviction: dry run writes nothing, two budgets over a pod are a Failure with code 500, a Pending pod ignores budgets', async (t) => {
  const cp = await webWith({ maxUnavailable: 1 });
  const [a] = podsOf(cp, 'web').map((p) => p.metadata.name ?? '');
  const before = statusOf(cp, 'web');
  t.like(await evictPod(cp.api, 'default', a ?? '', { deleteOptions: { dryRun: ['All'] } }), { status: 'Success' });
  t.deepEqual(statusOf(cp, 'web'), before);
  t.is(cp.informers.get(R.pods, 'default', a ?? '')?.metadata.deletionTimestamp, undefined);

  await cp.api.create(R.podDisruptionBudgets, 'default', budget('again', { minAvailable: 1 }));
  await cp.settle();
  t.like(await evictPod(cp.api, 'default', a ?? '', {}), { status: 'Failure', code: 500, message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' });

  const mismatch = await evictionError(evictPod(cp.api, 'default', a ?? '', { metadata: { name: 'other' } }));
  t.is(mismatch.code, 400);

  // A pod no node has taken yet (Pending) goes whatever the budgets say.
  await cp.api.create(R.pods, 'default', { metadata: { name: 'waiting', labels: { app: 'web' } }, spec: { nodeName: 'nowhere', containers: [{ name: 'c', image: 'nginx' }] } });
  t.like(await evictPod(cp.api, 'default', 'waiting', {}), { status: 'Success' });
});

test('an unready pod leaves without spending the budget while the healthy ones suffice (IfHealthyBudget), or always with AlwaysAllow', async (t) => {
  const cp = await webWith({ minAvailable: 2 });
  const [a, b] = podsOf(cp, 'web').map((p) => p.metadata.name ?? '');
  const unready = async (name: string): Promise<void> => {
    const pod = await cp.api.get(R.pods, 'default', name);
    const st = pod['status'] as { conditions: { type: string }[] };
    const conditions = st.conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c));
    await cp.api.update(R.pods, 'default', name, { ...pod, status: { ...st, conditions } }, { subresource: 'status' });
  };
  await unready(a ?? '');
  // Not settled: the budget still reads 3 healthy of 2 wanted, so the unready pod may go and the budget is not spent.
  t.like(await evictPod(cp.api, 'default', a ?? '', {}), { status: 'Success' });
  t.is(statusOf(cp, 'web')['disruptionsAllowed'], 1);
  t.is(statusOf(cp, 'web')['disruptedPods'], undefined);

  // Wanting more healthy pods than there are: an unready pod must spend the (empty) budget, unless AlwaysAllow.
  await cp.settle();
  await cp.api.patch(R.podDisruptionBudgets, 'default', 'web', 'merge', { spec: { minAvailable: 4 } });
  await cp.settle();
  await unready(b ?? '');
  t.is((await evictionError(evictPod(cp.api, 'default', b ?? '', {}))).code, 429);
  await cp.api.patch(R.podDisruptionBudgets, 'default', 'web', 'merge', { spec: { unhealthyPodEvictionPolicy: 'AlwaysAllow' } });
  await cp.settle();
  await unready(b ?? '');
  t.like(await evictPod(cp.api, 'default', b ?? '', {}), { status: 'Success' });
  t.is(statusOf(cp, 'web')['disruptionsAllowed'], 0);
});
