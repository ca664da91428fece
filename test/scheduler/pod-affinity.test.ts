import test from 'ava';
import type { Affinity, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { REASON_AFFINITY, REASON_ANTI_AFFINITY, REASON_EXISTING_ANTI_AFFINITY, affinityPod, interPodAffinityCheck, type PlacedAffinityPod } from '../../src/scheduler/index.js';

const host = (name: string, zone?: string) => ({ 'kubernetes.io/hostname': name, ...(zone === undefined ? {} : { zone }) });
const term = (matchLabels: Record<string, string>, topologyKey = 'kubernetes.io/hostname', extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({ labelSelector: { matchLabels }, topologyKey, ...extra });
const placed = (ns: string, labels: Record<string, string>, nodeLabels: Record<string, string>, affinity?: Affinity): PlacedAffinityPod => ({ pod: affinityPod(ns, labels, affinity), nodeLabels });
const nsLabels = (ns: string) => ({ 'kubernetes.io/metadata.name': ns, ...(ns === 'team' ? { tier: 'prod' } : {}) });

test('a pod with no required terms, and no placed pod with anti-affinity, needs no check (the plugin skips)', (t) => {
  t.is(interPodAffinityCheck(affinityPod('default', { app: 'a' }, undefined), [placed('default', { app: 'b' }, host('n1'))], nsLabels), undefined);
  // Preferred terms only weigh in scoring.
  const preferred: Affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: term({ app: 'b' }) }] } };
  t.is(interPodAffinityCheck(affinityPod('default', { app: 'a' }, preferred), [placed('default', { app: 'b' }, host('n1'))], nsLabels), undefined);
});

test('anti-affinity refuses the domain of a matching pod; a node without the topology label is not in any domain', (t) => {
  const incoming = affinityPod('default', { app: 'a' }, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'b' }, 'zone')] } });
  const check = interPodAffinityCheck(incoming, [placed('default', { app: 'b' }, host('n1', 'z1'))], nsLabels);
  t.is(check?.(host('n2', 'z1')), REASON_ANTI_AFFINITY, 'same zone, other node');
  t.is(check?.(host('n3', 'z2')), undefined);
  t.is(check?.(host('n4')), undefined);
});

test('the symmetric rule: a placed pod\'s anti-affinity refuses an incoming pod that has no terms of its own', (t) => {
  const guard = placed('default', { app: 'guard' }, host('n1'), { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'noisy' })] } });
  const check = interPodAffinityCheck(affinityPod('default', { app: 'noisy' }, undefined), [guard], nsLabels);
  t.is(check?.(host('n1')), REASON_EXISTING_ANTI_AFFINITY);
  t.is(check?.(host('n2')), undefined);
  // Another namespace is outside the guard's term (its own namespace by default).
  t.is(interPodAffinityCheck(affinityPod('other', { app: 'noisy' }, undefined), [guard], nsLabels)?.(host('n1')), undefined);
});

test('affinity needs a pod matching every term in the node\'s domain, and the node must carry each term\'s topology label', (t) => {
  const a: Affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, 'zone'), term({ tier: 'data' }, 'zone')] } };
  const incoming = affinityPod('default', { app: 'api' }, a);
  const pods = [placed('default', { app: 'db', tier: 'data' }, host('n1', 'z1')), placed('default', { app: 'db' }, host('n3', 'z2'))];
  const check = interPodAffinityCheck(incoming, pods, nsLabels);
  t.is(check?.(host('n2', 'z1')), undefined, 'z1 holds a pod matching both terms');
  t.is(check?.(host('n3', 'z2')), REASON_AFFINITY, 'z2\'s pod matches only one term');
  t.is(check?.(host('n4')), REASON_AFFINITY, 'no zone label');
});

test('the first of a self-affine group passes anywhere with the labels; a pod matching nothing and not itself does not', (t) => {
  const self = affinityPod('default', { app: 'pack' }, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'pack' })] } });
  t.is(interPodAffinityCheck(self, [placed('default', { app: 'other' }, host('n1'))], nsLabels)?.(host('n2')), undefined);
  const other = affinityPod('default', { app: 'x' }, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'pack' })] } });
  t.is(interPodAffinityCheck(other, [], nsLabels)?.(host('n2')), REASON_AFFINITY);
});

test('namespaces and namespaceSelector widen a term beyond the pod\'s namespace; matchLabelKeys ANDs in the pod\'s own value', (t) => {
  const db = placed('team', { app: 'db', track: 'canary' }, host('n1'));
  const inNs = (extra: Partial<PodAffinityTerm>, labels: Record<string, string> = { app: 'api' }) =>
    interPodAffinityCheck(affinityPod('default', labels, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, 'kubernetes.io/hostname', extra)] } }), [db], nsLabels)?.(host('n1'));
  t.is(inNs({}), REASON_AFFINITY, 'the pod\'s own namespace only');
  t.is(inNs({ namespaces: ['team'] }), undefined);
  t.is(inNs({ namespaceSelector: {} }), undefined, 'an empty selector: every namespace');
  t.is(inNs({ namespaceSelector: { matchLabels: { tier: 'prod' } } }), undefined);
  t.is(inNs({ namespaceSelector: { matchLabels: { tier: 'dev' } } }), REASON_AFFINITY);
  t.is(inNs({ namespaces: ['team'], matchLabelKeys: ['track'] }, { app: 'api', track: 'canary' }), undefined);
  t.is(inNs({ namespaces: ['team'], matchLabelKeys: ['track'] }, { app: 'api', track: 'stable' }), REASON_AFFINITY);
  t.is(inNs({ namespaces: ['team'], mismatchLabelKeys: ['track'] }, { app: 'api', track: 'canary' }), REASON_AFFINITY);
});
