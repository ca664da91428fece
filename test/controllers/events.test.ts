import test from 'ava';
import { resourceByPlural, type ReadonlyKubeObject } from '../../src/api/index.js';
import { R } from '../../src/controllers/index.js';
import { cluster, deployment, nodeOf, podsOf } from './harness.js';

const EVENTS = resourceByPlural('', 'events');

interface Ev {
  reason: string;
  type: string;
  message: string;
  involvedObject: { kind: string; name: string; namespace?: string; uid: string };
  source: { component?: string; host?: string };
  count?: number;
  reportingComponent?: string;
  eventTime?: string;
}

async function events(cp: Awaited<ReturnType<typeof cluster>>['cp'], namespace: string): Promise<(Ev & { name: string })[]> {
  if (EVENTS === undefined) throw new Error('events missing');
  const list = await cp.api.list(EVENTS, namespace);
  return list.items.map((e: ReadonlyKubeObject) => ({ ...(e as unknown as Ev), name: e.metadata.name ?? '' }));
}

test('a pod no node can take gets a FailedScheduling Warning from default-scheduler naming why, in the events.k8s.io style', async (t) => {
  const { cp } = await cluster(2, { cpu: '1' });
  await cp.api.create(R.deployments, 'default', deployment('big', 1, { cpu: '2' }));
  await cp.settle();
  const pod = podsOf(cp, 'big')[0];
  const evs = (await events(cp, 'default')).filter((e) => e.reason === 'FailedScheduling');
  t.is(evs.length, 1);
  t.like(evs[0], { type: 'Warning', message: '0/2 nodes are available: 2 Insufficient cpu.', reportingComponent: 'default-scheduler', involvedObject: { kind: 'Pod', name: pod?.metadata.name ?? '?', uid: pod?.metadata.uid ?? '?' } });
  t.regex(evs[0]?.eventTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  t.regex(evs[0]?.name ?? '', new RegExp(`^${pod?.metadata.name ?? '?'}\\.[0-9a-f]+$`));
});

test('a CNI ADD that fails gives FailedCreatePodSandBox from the node\'s kubelet with the plugin\'s error', async (t) => {
  const { cp } = await cluster(['node-1'], { limit: 1 });
  await cp.api.create(R.deployments, 'default', deployment('web', 2));
  await cp.settle();
  const evs = (await events(cp, 'default')).filter((e) => e.reason === 'FailedCreatePodSandBox');
  // One Event however often the kubelet retried: repeats are counted on it (the correlator's aggregation).
  t.is(evs.length, 1, 'one pod got the only address, the other did not');
  t.like(evs[0], { type: 'Warning', message: 'Failed to create pod sandbox: no IP addresses available on node-1', source: { component: 'kubelet', host: 'node-1' } });
  t.true((evs[0]?.count ?? 0) >= 1);
});

test('a failed node: NodeNotReady on the Node and each of its pods from node-controller, then TaintManagerEviction for each evicted pod', async (t) => {
  const { cp } = await cluster(2);
  await cp.api.create(R.deployments, 'default', deployment('web', 4));
  await cp.settle();
  const onTwo = podsOf(cp, 'web').filter((p) => nodeOf(p) === 'node-2').map((p) => p.metadata.name ?? '').sort();
  t.is(onTwo.length, 2);
  cp.failNode('node-2');
  await cp.advance(60_000);
  const after = await events(cp, 'default');
  const nodeEv = after.filter((e) => e.reason === 'NodeNotReady' && e.involvedObject.kind === 'Node');
  t.deepEqual(nodeEv.map((e) => [e.type, e.message, e.source.component, e.involvedObject.name]), [['Normal', 'Node node-2 status is now: NodeNotReady', 'node-controller', 'node-2']]);
  const podEv = after.filter((e) => e.reason === 'NodeNotReady' && e.involvedObject.kind === 'Pod');
  t.deepEqual(podEv.map((e) => e.involvedObject.name).sort(), onTwo);
  t.true(podEv.every((e) => e.type === 'Warning' && e.message === 'Node is not ready'));
  t.false(after.some((e) => e.reason === 'TaintManagerEviction'), 'not before the 300 s toleration');
  await cp.advance(310_000);
  const evicted = (await events(cp, 'default')).filter((e) => e.reason === 'TaintManagerEviction');
  t.deepEqual(evicted.map((e) => e.message).sort(), onTwo.map((n) => `Marking for deletion Pod default/${n}`));
  t.true(evicted.every((e) => e.source.component === 'taint-eviction-controller' && e.type === 'Normal'));
});
