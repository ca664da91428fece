import { asArray, ensureObject, isJsonObject, setDefault, type JsonObject } from '../object.js';

/**
 * Pod spec defaults as the real API server applies them (pkg/apis/core/v1/defaults.go SetDefaults_PodSpec,
 * SetDefaults_Container, plus the DefaultTolerationSeconds admission plugin), so `kubectl get -o yaml`
 * shows the same fields.
 */
function imagePullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  const tag = colon < 0 ? '' : lastPart.slice(colon + 1);
  // A missing tag or ":latest" means Always (SetDefaults_Container).
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(ctr: JsonObject): void {
  setDefault(ctr, 'terminationMessagePath', '/dev/termination-log');
  setDefault(ctr, 'terminationMessagePolicy', 'File');
  setDefault(ctr, 'imagePullPolicy', imagePullPolicy(ctr['image']));
  setDefault(ctr, 'resources', {});
  for (const p of asArray(ctr['ports'])) if (isJsonObject(p)) setDefault(p, 'protocol', 'TCP');
}

export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const list of ['containers', 'initContainers']) {
    for (const ctr of asArray(spec[list])) if (isJsonObject(ctr)) defaultContainer(ctr);
  }
  for (const v of asArray(spec['volumes'])) {
    if (isJsonObject(v) && Object.keys(v).length === 1) v['emptyDir'] = {}; // a volume with only a name is an emptyDir
  }
}

const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

/** A Pod (not a template) also gets server-side fields: tolerations, priority, enableServiceLinks, status. */
export function defaultPod(pod: JsonObject): void {
  const spec = ensureObject(pod, ['spec']);
  defaultPodSpec(spec);
  setDefault(spec, 'enableServiceLinks', true);
  setDefault(spec, 'priority', 0);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  setDefault(spec, 'serviceAccountName', 'default');
  setDefault(spec, 'serviceAccount', spec['serviceAccountName']);
  const tolerations = asArray(spec['tolerations']).filter(isJsonObject);
  for (const t of DEFAULT_TOLERATIONS) {
    if (!tolerations.some((x) => x['key'] === t.key && (x['effect'] === t.effect || x['effect'] === undefined))) tolerations.push({ ...t });
  }
  spec['tolerations'] = tolerations;
}

/** Status a new Pod starts with (pod strategy PrepareForCreate): Pending, with its QoS class. */
export function initialPodStatus(pod: JsonObject): JsonObject {
  const spec = isJsonObject(pod['spec']) ? pod['spec'] : {};
  const hasResources = asArray(spec['containers']).some(
    (c) => isJsonObject(c) && isJsonObject(c['resources']) && Object.keys(c['resources']).length > 0,
  );
  return { phase: 'Pending', qosClass: hasResources ? 'Burstable' : 'BestEffort' };
}
