import test from 'ava';
import { defaultObject, registeredResource, validateObject, type KubeObject } from '../../../src/api/index.js';

const POD = registeredResource('', 'pods');

/** The API server's errors for a Pod with these spec fields beside one valid container: `field: message`. */
function errors(spec: Record<string, unknown>): string[] {
  const o = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } } as KubeObject;
  defaultObject(POD, o);
  return validateObject(POD, o).map((e) => `${e.field}: ${e.message}`);
}

const zoneIn = (values: unknown[]) => ({ nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values }] }] });
const spread = (extra: Record<string, unknown>) => ({ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra });

test('valid scheduling fields pass: nodeSelector, node and pod (anti-)affinity, tolerations, topology spread', (t) => {
  t.deepEqual(
    errors({
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: zoneIn(['a', 'b']),
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } }],
        },
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } }, matchLabelKeys: ['pod-template-hash'] }],
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'zone', labelSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db'] }] }, namespaces: ['shop'] } }],
        },
      },
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { operator: 'Exists' }, { key: 'dedicated', value: 'web', effect: 'NoSchedule' }],
      topologySpreadConstraints: [spread({ minDomains: 2 }), spread({ whenUnsatisfiable: 'ScheduleAnyway', nodeTaintsPolicy: 'Honor', matchLabelKeys: ['pod-template-hash'] })],
    }),
    [],
  );
});

test('label selectors in affinity terms and spread constraints are refused as apimachinery refuses them', (t) => {
  const term = (labelSelector: unknown) => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', labelSelector }] } });
  const at = 'spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]';
  t.deepEqual(errors({ affinity: term({ matchExpressions: [{ key: 'app', operator: 'In' }] }) }), [`${at}.labelSelector.matchExpressions[0].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`]);
  t.deepEqual(errors({ affinity: term({ matchExpressions: [{ key: 'app', operator: 'Exists', values: ['x'] }] }) }), [
    `${at}.labelSelector.matchExpressions[0].values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`,
  ]);
  t.deepEqual(errors({ affinity: term({ matchExpressions: [{ key: 'app', operator: 'Equals', values: ['web'] }] }) }), [`${at}.labelSelector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator`]);
  t.deepEqual(errors({ affinity: term({ matchExpressions: [{ key: 'app', operator: 'In', values: ['a b'] }] }) }).length, 1);
  t.regex(errors({ affinity: term({ matchLabels: { 'bad key!': 'x' } }) })[0] ?? '', /^spec\.affinity\.podAffinity\.requiredDuringSchedulingIgnoredDuringExecution\[0\]\.labelSelector\.matchLabels: Invalid value: "bad key!": name part must consist of/);
  t.deepEqual(errors({ topologySpreadConstraints: [spread({ labelSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [] }] } })] }), [
    "spec.topologySpreadConstraints[0].labelSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
  ]);
});

test('pod affinity terms need a topologyKey, weights lie in 1-100, namespaces are namespace names, label keys go with a selector', (t) => {
  const anti = (terms: unknown[], preferred: unknown[] = []) => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms, preferredDuringSchedulingIgnoredDuringExecution: preferred } });
  const at = 'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]';
  t.deepEqual(errors({ affinity: anti([{ labelSelector: { matchLabels: { app: 'web' } } }]) }).slice(0, 1), [`${at}.topologyKey: Required value: can not be empty`]);
  t.deepEqual(errors({ affinity: anti([], [{ weight: 0, podAffinityTerm: { topologyKey: 'zone' } }]) }), [
    'spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100',
  ]);
  t.regex(errors({ affinity: anti([{ topologyKey: 'zone', namespaces: ['Shop'] }]) })[0] ?? '', /^spec\.affinity\.podAntiAffinity\.requiredDuringSchedulingIgnoredDuringExecution\[0\]\.namespace: Invalid value: "Shop": a lowercase RFC 1123 label/);
  t.deepEqual(errors({ affinity: anti([{ topologyKey: 'zone', matchLabelKeys: ['app'] }]) }), [`${at}.matchLabelKeys: Forbidden: must not be specified when labelSelector is not set`]);
  t.deepEqual(errors({ affinity: anti([{ topologyKey: 'zone', labelSelector: {}, matchLabelKeys: ['track'], mismatchLabelKeys: ['track'] }]) }), [
    `${at}.matchLabelKeys[0]: Invalid value: "track": exists in both matchLabelKeys and mismatchLabelKeys`,
  ]);
});

test('node affinity: at least one term, operators with the right number of values, matchFields only on metadata.name', (t) => {
  const required = (r: unknown) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: r } });
  const at = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms';
  t.deepEqual(errors({ affinity: required({ nodeSelectorTerms: [] }) }), [`${at}: Required value: must have at least one node selector term`]);
  t.deepEqual(errors({ affinity: required(zoneIn([])) }), [`${at}[0].matchExpressions[0].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`]);
  t.deepEqual(errors({ affinity: required({ nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['1', '2'] }] }] }) }), [
    `${at}[0].matchExpressions[0].values: Required value: must be specified single value when \`operator\` is 'Lt' or 'Gt'`,
  ]);
  t.deepEqual(errors({ affinity: required({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.labels', operator: 'In', values: ['a'] }] }] }) }), [
    `${at}[0].matchFields[0].key: Invalid value: "metadata.labels": not a valid field selector key`,
  ]);
  t.deepEqual(errors({ affinity: required({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a', 'b'] }] }] }) }), [
    `${at}[0].matchFields[0].values: Required value: must be only one value when \`operator\` is 'In' or 'NotIn' for node field selector`,
  ]);
  t.deepEqual(errors({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 101, preference: { matchExpressions: [{ key: 'zone', operator: 'Near' }] } }] } } }), [
    'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100',
    'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
  ]);
  t.regex(errors({ nodeSelector: { zone: 'a b' } })[0] ?? '', /^spec\.nodeSelector: Invalid value: "a b": a valid label must be/);
});

test('tolerations: Exists for an empty key, no value with Exists, tolerationSeconds only for NoExecute, known effects', (t) => {
  t.deepEqual(errors({ tolerations: [{ value: 'x' }] }), ['spec.tolerations[0].operator: Invalid value: "": operator must be Exists when `key` is empty, which means "match all values and all keys"']);
  t.deepEqual(errors({ tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }), [
    `spec.tolerations[0].operator: Invalid value: core.Toleration{Key:"k", Operator:"Exists", Value:"v", Effect:"", TolerationSeconds:(*int64)(nil)}: value must be empty when \`operator\` is 'Exists'`,
  ]);
  t.deepEqual(errors({ tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 60 }] }), [
    "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
  ]);
  t.deepEqual(errors({ tolerations: [{ key: 'k', operator: 'Matches' }] }), ['spec.tolerations[0].operator: Unsupported value: "Matches": supported values: "Equal", "Exists"']);
  t.deepEqual(errors({ tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoRun' }] }), [
    'spec.tolerations[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
  ]);
});

test('topology spread: maxSkew above zero, a topologyKey, a known whenUnsatisfiable once per key, minDomains only with DoNotSchedule', (t) => {
  const at = 'spec.topologySpreadConstraints[0]';
  t.deepEqual(errors({ topologySpreadConstraints: [spread({ maxSkew: 0 })] }), [`${at}.maxSkew: Invalid value: 0: must be greater than zero`]);
  t.deepEqual(errors({ topologySpreadConstraints: [spread({ topologyKey: '' })] }).slice(0, 1), [`${at}.topologyKey: Required value: can not be empty`]);
  t.deepEqual(errors({ topologySpreadConstraints: [spread({ whenUnsatisfiable: 'Maybe' })] }), [`${at}.whenUnsatisfiable: Unsupported value: "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway"`]);
  t.deepEqual(errors({ topologySpreadConstraints: [spread({}), spread({ maxSkew: 2 })] }), [`${at}.{topologyKey, whenUnsatisfiable}: Duplicate value: "{zone, DoNotSchedule}"`]);
  t.deepEqual(errors({ topologySpreadConstraints: [spread({ whenUnsatisfiable: 'ScheduleAnyway', minDomains: 0 })] }), [
    `${at}.minDomains: Invalid value: 0: must be greater than zero`,
    `${at}.minDomains: Invalid value: 0: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway`,
  ]);
  t.deepEqual(errors({ topologySpreadConstraints: [spread({ nodeAffinityPolicy: 'Always' })] }), [`${at}.nodeAffinityPolicy: Unsupported value: "Always": supported values: "Honor", "Ignore"`]);
  t.deepEqual(errors({ topologySpreadConstraints: [spread({ matchLabelKeys: ['app'] })] }), [`${at}.matchLabelKeys[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`]);
  t.deepEqual(errors({ topologySpreadConstraints: [spread({ labelSelector: undefined, matchLabelKeys: ['app'] })] }), [`${at}.matchLabelKeys: Forbidden: must not be specified when labelSelector is not set`]);
});
