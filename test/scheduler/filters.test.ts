import test from 'ava';
import { nodeInfoFromNode, podInfoFromPod, runFilters, NodeIndex, milliCpu, wholeQuantity, leastRequested } from '../../src/scheduler/index.js';
import { node, pod } from './helpers.js';

const reasons = (p: ReturnType<typeof pod>, n: ReturnType<typeof node>): readonly string[] => runFilters(podInfoFromPod(p), nodeInfoFromNode(n, 0));

test('quantities: CPU in millicores and memory in bytes, rounded up', (t) => {
  t.is(milliCpu('250m'), 250);
  t.is(milliCpu('0.5'), 500);
  t.is(milliCpu('2'), 2000);
  t.is(milliCpu('1500u'), 2);
  t.is(wholeQuantity('128Mi'), 134217728);
  t.is(wholeQuantity('1G'), 1e9);
  t.is(wholeQuantity('1e3'), 1000);
  t.throws(() => milliCpu('two'), { message: /quantities must match/ });
});

test('a Ready, schedulable node with room passes every filter', (t) => {
  t.deepEqual(reasons(pod('p', { cpu: '1', memory: '1Gi' }), node('n')), []);
});

test('a node that is not Ready is refused as its lifecycle taint would refuse it, unless tolerated', (t) => {
  t.deepEqual(reasons(pod('p'), node('n', { ready: 'False' })), ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }']);
  t.deepEqual(reasons(pod('p'), node('n', { ready: 'Unknown' })), ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }']);
  t.deepEqual(reasons(pod('p', { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] }), node('n', { ready: 'False' })), []);
});

test('a cordoned node is unschedulable unless the pod tolerates the unschedulable taint', (t) => {
  t.deepEqual(reasons(pod('p'), node('n', { unschedulable: true })), ['node(s) were unschedulable']);
  t.deepEqual(reasons(pod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), node('n', { unschedulable: true })), []);
});

test('taints: NoSchedule and NoExecute need a toleration, PreferNoSchedule does not', (t) => {
  const gpu = { key: 'gpu', value: 'yes', effect: 'NoSchedule' };
  t.deepEqual(reasons(pod('p'), node('n', { taints: [gpu] })), ['node(s) had untolerated taint {gpu: yes}']);
  t.deepEqual(reasons(pod('p', { tolerations: [{ key: 'gpu', operator: 'Equal', value: 'yes', effect: 'NoSchedule' }] }), node('n', { taints: [gpu] })), []);
  t.deepEqual(reasons(pod('p', { tolerations: [{ key: 'gpu', operator: 'Equal', value: 'no' }] }), node('n', { taints: [gpu] })), ['node(s) had untolerated taint {gpu: yes}']);
  t.deepEqual(reasons(pod('p', { tolerations: [{ operator: 'Exists' }] }), node('n', { taints: [gpu] })), [], 'an empty key with Exists tolerates everything');
  t.deepEqual(reasons(pod('p'), node('n', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] })), []);
});

test('nodeSelector and required node affinity', (t) => {
  const ssd = node('n', { labels: { disk: 'ssd', gen: '5' } });
  t.deepEqual(reasons(pod('p', { nodeSelector: { disk: 'ssd' } }), ssd), []);
  t.deepEqual(reasons(pod('p', { nodeSelector: { disk: 'hdd' } }), ssd), ["node(s) didn't match Pod's node affinity/selector"]);
  const aff = (exprs: { key: string; operator: string; values?: string[] }[]) => ({
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: exprs }] } },
  });
  t.deepEqual(reasons(pod('p', { affinity: aff([{ key: 'disk', operator: 'In', values: ['ssd', 'nvme'] }]) }), ssd), []);
  t.deepEqual(reasons(pod('p', { affinity: aff([{ key: 'gen', operator: 'Gt', values: ['4'] }]) }), ssd), []);
  t.deepEqual(reasons(pod('p', { affinity: aff([{ key: 'gen', operator: 'Lt', values: ['4'] }]) }), ssd), ["node(s) didn't match Pod's node affinity/selector"]);
  t.deepEqual(reasons(pod('p', { affinity: aff([{ key: 'disk', operator: 'DoesNotExist' }]) }), ssd), ["node(s) didn't match Pod's node affinity/selector"]);
  t.deepEqual(reasons(pod('p', { affinity: aff([{ key: 'zone', operator: 'NotIn', values: ['a'] }]) }), ssd), [], 'NotIn matches a missing label');
  const byName = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['other'] }] }] } } };
  t.deepEqual(reasons(pod('p', { affinity: byName }), ssd), ["node(s) didn't match Pod's node affinity/selector"]);
});

test('resources: requests against allocatable, every insufficient resource named; max pods', (t) => {
  t.deepEqual(reasons(pod('p', { cpu: '5' }), node('n', { cpu: '4' })), ['Insufficient cpu']);
  t.deepEqual(reasons(pod('p', { cpu: '5', memory: '9Gi' }), node('n', { cpu: '4', memory: '8Gi' })), ['Insufficient cpu', 'Insufficient memory']);
  const idx = new NodeIndex();
  idx.upsert(node('n', { pods: '2', cpu: '1' }));
  const small = podInfoFromPod(pod('a', { cpu: '400m' }));
  idx.account('n', small, 1);
  idx.account('n', small, 1);
  const d = idx.decide(podInfoFromPod(pod('c')), -1);
  t.is(d.kind, 'unschedulable');
  if (d.kind === 'unschedulable') t.is(d.message, '0/1 nodes are available: 1 Too many pods.');
  idx.account('n', small, -1);
  t.like(idx.decide(podInfoFromPod(pod('c', { cpu: '700m' })), -1), { kind: 'unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' }, '400m used + 700m > 1 core');
  t.like(idx.decide(podInfoFromPod(pod('c', { cpu: '600m' })), -1), { kind: 'bind', node: 'n' }, '400m used + 600m = 1 core fits exactly');
});

test('the unschedulable message counts nodes per reason, sorted, as kube-scheduler prints it', (t) => {
  const idx = new NodeIndex();
  idx.upsert(node('a', { cpu: '1' }));
  idx.upsert(node('b', { unschedulable: true }));
  idx.upsert(node('c', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }));
  idx.upsert(node('d', { cpu: '1' }));
  const d = idx.decide(podInfoFromPod(pod('p', { cpu: '2' })), -1);
  t.like(d, { kind: 'unschedulable', message: '0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 1 node(s) were unschedulable, 2 Insufficient cpu.' });
});

test('least-allocated score: integer percentages, CPU and memory averaged', (t) => {
  t.is(leastRequested(1000, 4000), 75);
  t.is(leastRequested(1, 3), 66);
  t.is(leastRequested(5000, 4000), 0);
});
