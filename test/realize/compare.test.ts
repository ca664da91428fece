import test from 'ava';
import { classify, compareProbe, type PathSummary } from '../../src/realize/index.js';

const SVC = 'nat -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES';
const SEP_A = 'nat -A KUBE-SEP-A -p tcp -m tcp -j DNAT --to-destination 10.244.1.2:8080';
const SEP_B = 'nat -A KUBE-SEP-B -p tcp -m tcp -j DNAT --to-destination 10.244.2.2:8080';

const paths: PathSummary[] = [
  { probability: 0.5, exact: '1/2', verdict: 'delivered', pod: 'demo/a', sourceSeen: '10.244.1.3', rules: { 'node/n1': [SVC, SEP_A] } },
  { probability: 0.5, exact: '1/2', verdict: 'delivered', pod: 'demo/b', sourceSeen: '10.244.1.3', rules: { 'node/n1': [SVC, SEP_B] } },
];

test('the responder answer is read as the pod and the source it saw; errors as failure kinds', (t) => {
  t.deepEqual(classify({ ok: true, answer: 'demo/a 10.244.1.3:20001' }), { kind: 'answered', pod: 'demo/a', source: '10.244.1.3', sourcePort: 20001 });
  t.is(classify({ ok: false, error: 'ECONNREFUSED' }).kind, 'refused');
  t.is(classify({ ok: false, error: 'timeout' }).kind, 'silent');
  t.is(classify({ ok: false, error: 'EHOSTUNREACH' }).kind, 'unreachable');
});

test('agreement: the path to the pod that answered, with the same source and the same rules', (t) => {
  const r = compareProbe(paths, { kind: 'answered', pod: 'demo/b', source: '10.244.1.3', sourcePort: 1 }, { 'node/n1': [SVC, SEP_B] });
  t.deepEqual(r, { path: 1, disagreements: [] });
});

test('a pod the trace does not allow is a verdict disagreement naming what was allowed', (t) => {
  const r = compareProbe(paths, { kind: 'answered', pod: 'demo/c', source: '10.244.1.3', sourcePort: 1 }, {});
  t.is(r.disagreements[0]?.check, 'verdict');
  t.regex(r.disagreements[0]?.message ?? '', /demo\/c.*demo\/a \(source 10\.244\.1\.3, p=1\/2\), demo\/b/);
});

test('a silent probe agrees with a dropped path and not with a delivered one', (t) => {
  const dropped: PathSummary = { probability: 1, exact: '1', verdict: 'dropped', pod: null, sourceSeen: null, rules: { 'node/n1': [SVC] } };
  t.deepEqual(compareProbe([dropped], { kind: 'silent', error: 'timeout' }, { 'node/n1': [SVC] }).disagreements, []);
  t.is(compareProbe(paths, { kind: 'silent', error: 'timeout' }, {}).disagreements[0]?.check, 'verdict');
});

test('a different source seen is reported with both addresses', (t) => {
  const r = compareProbe(paths, { kind: 'answered', pod: 'demo/a', source: '192.168.50.11', sourcePort: 1 }, { 'node/n1': [SVC, SEP_A] });
  t.is(r.disagreements[0]?.check, 'source');
  t.regex(r.disagreements[0]?.message ?? '', /saw source 192\.168\.50\.11; the emulator says 10\.244\.1\.3/);
});

test('a rule list that differs is reported at the first differing rule, with both lists as evidence', (t) => {
  const real = { 'node/n1': [SVC, SVC, SEP_A] };
  const r = compareProbe(paths, { kind: 'answered', pod: 'demo/a', source: '10.244.1.3', sourcePort: 1 }, real);
  t.is(r.disagreements[0]?.check, 'rules');
  t.regex(r.disagreements[0]?.message ?? '', /node\/n1 rule #2: emulated nat -A KUBE-SEP-A/);
  t.deepEqual(r.disagreements[0]?.real, real);
});
