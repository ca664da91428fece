import test from 'ava';
import type { Taint } from 'kubernetes-types/core/v1.js';
import { R, specOf, statusOf } from '../../src/controllers/index.js';
import { cluster, deployment, isReady, list, nodeOf, podIp, podsOf } from './harness.js';

test('a failed node goes Unknown after the grace period, is tainted, its pods go not ready, then are evicted and replaced elsewhere with new IPs', async (t) => {
  const { cp } = await cluster(3);
  await cp.api.create(R.deployments, 'default', deployment('web', 6));
  await cp.settle();
  const onB = podsOf(cp, 'web').filter((p) => nodeOf(p) === 'node-2');
  t.is(onB.length, 2);
  cp.failNode('node-2');
  await cp.advance(45_000);
  let node = cp.informers.get(R.nodes, '', 'node-2');
  t.is((statusOf(node ?? { apiVersion: '', kind: '', metadata: {} })['conditions'] as { type: string; status: string }[]).find((c) => c.type === 'Ready')?.status, 'True', 'still Ready within the 50 s grace period');
  await cp.advance(10_000);
  node = cp.informers.get(R.nodes, '', 'node-2');
  const ready = (statusOf(node ?? { apiVersion: '', kind: '', metadata: {} })['conditions'] as { type: string; status: string; reason: string; message: string }[]).find((c) => c.type === 'Ready');
  t.like(ready, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
  t.deepEqual(
    ((specOf(node ?? { apiVersion: '', kind: '', metadata: {} })['taints'] ?? []) as Taint[]).map((x) => `${x.key}:${x.effect}`),
    ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute'],
  );
  t.false(podsOf(cp, 'web').filter((p) => nodeOf(p) === 'node-2').some(isReady), 'MarkPodsNotReady');
  // 300 s default toleration of the unreachable taint: not yet evicted at 290 s.
  await cp.advance(290_000);
  t.true(podsOf(cp, 'web').filter((p) => nodeOf(p) === 'node-2').every((p) => p.metadata.deletionTimestamp === undefined));
  await cp.advance(20_000);
  const pods = podsOf(cp, 'web');
  const terminating = pods.filter((p) => p.metadata.deletionTimestamp !== undefined);
  t.deepEqual(terminating.map((p) => p.metadata.name).sort(), onB.map((p) => p.metadata.name).sort(), 'evicted pods stay Terminating: no kubelet to finish them');
  const live = pods.filter((p) => p.metadata.deletionTimestamp === undefined);
  t.is(live.length, 6);
  t.true(live.every((p) => nodeOf(p) !== 'node-2' && isReady(p)));
  const oldIps = new Set(onB.map(podIp));
  t.false(live.some((p) => oldIps.has(podIp(p))));
  // The node comes back: taints go, the kubelet finishes the terminating pods.
  await cp.recoverNode('node-2');
  await cp.advance(5_000);
  t.deepEqual(specOf(cp.informers.get(R.nodes, '', 'node-2') ?? { apiVersion: '', kind: '', metadata: {} })['taints'], undefined);
  t.is(podsOf(cp, 'web').length, 6);
});

test('the scheduler does not place pods on a NotReady node', async (t) => {
  const { cp } = await cluster(2);
  cp.failNode('node-1');
  await cp.advance(60_000);
  await cp.api.create(R.deployments, 'default', deployment('web', 3));
  await cp.settle();
  t.deepEqual(podsOf(cp, 'web').map(nodeOf), ['node-2', 'node-2', 'node-2']);
});

test('node IPAM gives each node the next /24 of clusterCIDR and releases it when the node goes', async (t) => {
  const { cp } = await cluster(3);
  const cidrs = list(cp, R.nodes).map((n) => `${n.metadata.name ?? ''}=${String(specOf(n)['podCIDR'])}`);
  t.deepEqual(cidrs, ['node-1=10.244.0.0/24', 'node-2=10.244.1.0/24', 'node-3=10.244.2.0/24']);
  t.deepEqual(specOf(cp.informers.get(R.nodes, '', 'node-1') ?? { apiVersion: '', kind: '', metadata: {} })['podCIDRs'], ['10.244.0.0/24']);
  await cp.api.create(R.nodes, '', { metadata: { name: 'manual' }, spec: { podCIDR: '10.244.3.0/24' } });
  await cp.api.create(R.nodes, '', { metadata: { name: 'auto' } });
  await cp.settle();
  t.is(specOf(cp.informers.get(R.nodes, '', 'auto') ?? { apiVersion: '', kind: '', metadata: {} })['podCIDR'], '10.244.4.0/24', 'skips the CIDR a node already holds');
});

test('a pod that fits nowhere is marked Unschedulable with the reasons, and scheduled once a node fits', async (t) => {
  const { cp } = await cluster(2, { cpu: '1' });
  await cp.api.create(R.pods, 'default', { metadata: { name: 'huge' }, spec: { containers: [{ name: 'c', image: 'x:1', resources: { requests: { cpu: '2' } } }] } });
  await cp.settle();
  const pod = cp.informers.get(R.pods, 'default', 'huge');
  const cond = (statusOf(pod ?? { apiVersion: '', kind: '', metadata: {} })['conditions'] as { type: string; status: string; reason: string; message: string }[]).find((c) => c.type === 'PodScheduled');
  t.like(cond, { status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available: 2 Insufficient cpu.' });
  await cp.addNode({ name: 'node-big', ip: '192.168.50.30', capacity: { cpu: '8' } });
  await cp.settle();
  t.is(nodeOf(cp.informers.get(R.pods, 'default', 'huge') ?? { apiVersion: '', kind: '', metadata: {} }), 'node-big');
});
