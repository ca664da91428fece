import test from 'ava';
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { Placement, REASON_SPREAD, REASON_SPREAD_LABEL, spreadConstraints, topologySpreadCheck } from '../../src/scheduler/index.js';
import { node as helperNode, pod as helperPod } from './helpers.js';

const node = (name: string, zone: string | undefined, fits = true) => ({ name, labels: { 'kubernetes.io/hostname': name, ...(zone === undefined ? {} : { zone }) }, fits });
const NODES = [node('a1', 'a'), node('a2', 'a'), node('b1', 'b'), node('c1', 'c', false)];
const web = (n: string, ns = 'default', labels: Record<string, string> = { app: 'web' }) => ({ namespace: ns, labels, node: n });
const c = (extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint => ({ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra });
const check = (constraint: TopologySpreadConstraint, placed: ReturnType<typeof web>[], labels: Record<string, string> = { app: 'web' }) =>
  topologySpreadCheck('default', labels, spreadConstraints(labels, [constraint]), NODES, placed);

test('ScheduleAnyway constraints are no filter', (t) => {
  t.deepEqual(spreadConstraints({ app: 'web' }, [c({ whenUnsatisfiable: 'ScheduleAnyway' })]), []);
  t.is(topologySpreadCheck('default', {}, [], NODES, []), undefined);
});

test('a domain may rise at most maxSkew above the emptiest eligible one; a domain the pod may not go to is none of its', (t) => {
  // c1 is refused by the pod's node affinity (fits false): zone c is not a domain, so its emptiness does not count.
  const k = check(c(), [web('a1'), web('c1'), web('c1')]);
  t.is(k?.(node('a2', 'a').labels), REASON_SPREAD, 'a would hold 2 against b\'s 0');
  t.is(k?.(node('b1', 'b').labels), undefined);
  t.is(k?.({ 'kubernetes.io/hostname': 'x' }), REASON_SPREAD_LABEL);
  // nodeAffinityPolicy Ignore: zone c counts, and it is fuller.
  const ignore = check(c({ nodeAffinityPolicy: 'Ignore' }), [web('a1'), web('c1'), web('c1')]);
  t.is(ignore?.(node('b1', 'b').labels), undefined);
  t.is(ignore?.(node('a2', 'a').labels), REASON_SPREAD);
});

test('only pods of the same namespace that the selector (with matchLabelKeys) picks count; a pod the selector misses adds no skew itself', (t) => {
  const others = [web('a1', 'other'), web('a1', 'default', { app: 'api' })];
  t.is(check(c(), others)?.(node('a2', 'a').labels), undefined);
  const canary = [web('a1', 'default', { app: 'web', track: 'canary' })];
  t.is(check(c({ matchLabelKeys: ['track'] }), canary, { app: 'web', track: 'stable' })?.(node('a2', 'a').labels), undefined, 'stable pods are counted apart');
  t.is(check(c({ matchLabelKeys: ['track'] }), canary, { app: 'web', track: 'canary' })?.(node('a2', 'a').labels), REASON_SPREAD);
  // The incoming pod is not selected: a domain may hold one more.
  t.is(check(c(), [web('a1')], { app: 'batch' })?.(node('a2', 'a').labels), undefined);
});

test('minDomains: fewer eligible domains than asked count the minimum as 0', (t) => {
  const placed = [web('a1'), web('b1')];
  t.is(check(c(), placed)?.(node('a2', 'a').labels), undefined, 'a 2 - min 1 = 1');
  t.is(check(c({ minDomains: 3 }), placed)?.(node('a2', 'a').labels), REASON_SPREAD, 'two domains < 3: a 2 - 0 = 2');
});

test('a terminating pod no longer counts towards spreading (kube-scheduler skips it), but still holds its node until it is gone', (t) => {
  const placement = new Placement();
  // Zone b's node is fuller, so least-allocated alone would send the next pod to zone a.
  placement.index.upsert(helperNode('a1', { labels: { zone: 'a' } }));
  placement.index.upsert(helperNode('b1', { labels: { zone: 'b' } }));
  const spreadPod = (name: string, nodeName?: string, deleting = false): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' }, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { ...(nodeName === undefined ? {} : { nodeName }), containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '1' } } }], topologySpreadConstraints: [c()] },
  });
  placement.assign('default/web-1', 'a1', spreadPod('web-1', 'a1'));
  placement.assign('default/web-2', 'b1', spreadPod('web-2', 'b1'));
  placement.assign('default/filler', 'b1', helperPod('filler', { cpu: '2' }));
  const next = () => placement.decide(spreadPod('web-3'));
  t.like(next(), { kind: 'bind', node: 'a1' }, 'one web pod in each zone: either zone keeps the skew at 1, and a1 is emptier');
  placement.terminating('default/web-2');
  t.like(next(), { kind: 'bind', node: 'b1' }, "web-2 is leaving zone b: zone a would hold 2 against b's 0");
  // A pod stored already terminating (a relist) is not counted either.
  placement.unassign('default/web-2');
  placement.assign('default/web-2', 'b1', spreadPod('web-2', 'b1', true));
  t.like(next(), { kind: 'bind', node: 'b1' });
});
