import test from 'ava';
import { defaultObject, registeredResource, validateObject, type KubeObject } from '../../../src/api/index.js';

const PDB = registeredResource('policy', 'poddisruptionbudgets');

function errors(spec: Record<string, unknown>): string[] {
  const o = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'shop' }, spec } as KubeObject;
  defaultObject(PDB, o);
  return validateObject(PDB, o).map((e) => `${e.field}: ${e.message}`);
}

test('a budget sets minAvailable or maxUnavailable, each an int or a percent up to 100%, never both', (t) => {
  const selector = { matchLabels: { app: 'web' } };
  t.deepEqual(errors({ selector, minAvailable: 2 }), []);
  t.deepEqual(errors({ selector, maxUnavailable: '25%' }), []);
  t.deepEqual(errors({ selector }), [], 'neither is allowed (and nothing is defaulted in policy/v1)');
  t.deepEqual(errors({ selector, minAvailable: 1, maxUnavailable: 1 }), ['spec: Invalid value: {"selector":{"matchLabels":{"app":"web"}},"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set']);
  t.deepEqual(errors({ selector, minAvailable: -1 }), ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
  t.deepEqual(errors({ selector, maxUnavailable: '120%' }), ['spec.maxUnavailable: Invalid value: "120%": must not be greater than 100%']);
  t.is(errors({ selector, minAvailable: 'half' }).length, 1);
  t.regex(errors({ selector, minAvailable: 'half' })[0] ?? '', /^spec\.minAvailable: Invalid value: "half": a valid percent string/);
});

test('the selector is optional and must parse; the unhealthy-pod policy is AlwaysAllow or IfHealthyBudget', (t) => {
  t.deepEqual(errors({ minAvailable: 1, selector: {} }), [], 'an empty selector covers every pod of the namespace');
  t.deepEqual(errors({ minAvailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' }), []);
  t.deepEqual(errors({ minAvailable: 1, unhealthyPodEvictionPolicy: 'Sometimes' }), ['spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"']);
  t.is(errors({ minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['x'] }] } }).length, 1);
});
