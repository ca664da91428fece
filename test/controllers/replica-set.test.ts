import test from 'ava';
import { R, statusOf } from '../../src/controllers/index.js';
import { cluster, isReady, list, nodeOf, podIp } from './harness.js';

const rs = (name: string, replicas: number): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
});

test('a ReplicaSet creates its pods, they are scheduled, run, get IPs and the status counts them', async (t) => {
  const { cp } = await cluster(3);
  await cp.api.create(R.replicaSets, 'default', rs('web', 4));
  await cp.settle();
  const pods = list(cp, R.pods).filter((p) => p.metadata.labels?.['app'] === 'web');
  t.is(pods.length, 4);
  for (const p of pods) {
    t.regex(p.metadata.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    t.is(p.metadata.ownerReferences?.[0]?.kind, 'ReplicaSet');
    t.true(isReady(p));
    t.regex(podIp(p), /^10\.244\.\d\.\d+$/);
  }
  t.deepEqual(pods.map(nodeOf).sort(), ['node-1', 'node-1', 'node-2', 'node-3'], 'spread round-robin over the three nodes');
  const st = statusOf(cp.informers.get(R.replicaSets, 'default', 'web') ?? { apiVersion: '', kind: '', metadata: {} });
  t.like(st, { replicas: 4, readyReplicas: 4, availableReplicas: 4, fullyLabeledReplicas: 4, observedGeneration: 1 });
});

test('scaling down deletes the surplus (not-ready pods first) and the kubelet tears their network down', async (t) => {
  const { cp, net } = await cluster(2);
  await cp.api.create(R.replicaSets, 'default', rs('web', 3));
  await cp.settle();
  const victim = list(cp, R.pods).find((p) => p.metadata.labels?.['app'] === 'web');
  if (victim === undefined) return t.fail();
  // One pod fails its readiness (through the API): it is the one to go on scale-down.
  await cp.api.patch(R.pods, 'default', victim.metadata.name ?? '', 'merge', { metadata: { annotations: { 'kubewire.io/readiness': 'fail' } } });
  await cp.settle();
  t.like(statusOf(cp.informers.get(R.replicaSets, 'default', 'web') ?? { apiVersion: '', kind: '', metadata: {} }), { readyReplicas: 2 });
  await cp.api.patch(R.replicaSets, 'default', 'web', 'merge', { spec: { replicas: 2 } });
  await cp.settle();
  const left = list(cp, R.pods).filter((p) => p.metadata.labels?.['app'] === 'web');
  t.is(left.length, 2);
  t.false(left.some((p) => p.metadata.name === victim.metadata.name));
  t.true(net.log.includes(`DEL default/${victim.metadata.name ?? ''} on ${nodeOf(victim)}`));
});

test('a deleted pod is replaced with a new name and a new IP', async (t) => {
  const { cp } = await cluster(2);
  await cp.api.create(R.replicaSets, 'default', rs('web', 2));
  await cp.settle();
  const [first] = list(cp, R.pods).filter((p) => p.metadata.labels?.['app'] === 'web');
  if (first === undefined) return t.fail();
  await cp.api.delete(R.pods, 'default', first.metadata.name ?? '');
  await cp.settle();
  const now = list(cp, R.pods).filter((p) => p.metadata.labels?.['app'] === 'web');
  t.is(now.length, 2);
  t.false(now.some((p) => p.metadata.name === first.metadata.name));
  t.false(now.some((p) => podIp(p) === podIp(first)), 'host-local hands out the next address, not the freed one');
});

test('deleting the ReplicaSet takes its pods with it (garbage collector)', async (t) => {
  const { cp } = await cluster(1);
  await cp.api.create(R.replicaSets, 'default', rs('web', 2));
  await cp.settle();
  t.is(list(cp, R.pods).filter((p) => p.metadata.labels?.['app'] === 'web').length, 2, 'its two pods were there');
  await cp.api.delete(R.replicaSets, 'default', 'web');
  await cp.settle();
  t.is(list(cp, R.pods).filter((p) => p.metadata.labels?.['app'] === 'web').length, 0);
});
