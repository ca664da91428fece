import { asArray, deepFreeze, isJsonObject, type JsonObject } from '../object.js';
import type { CowObject } from './cow.js';
import { milliCpu, wholeQuantity } from '../quantity.js';

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

function defaultContainer(ctr: CowObject): void {
  ctr.setDefault('terminationMessagePath', '/dev/termination-log');
  ctr.setDefault('terminationMessagePolicy', 'File');
  ctr.setDefault('imagePullPolicy', imagePullPolicy(ctr.get('image')));
  ctr.setDefault('resources', {});
  for (const p of ctr.items('ports')) p.setDefault('protocol', 'TCP');
}

export function defaultPodSpec(spec: CowObject): void {
  spec.setDefault('restartPolicy', 'Always');
  spec.setDefault('dnsPolicy', 'ClusterFirst');
  spec.setDefault('terminationGracePeriodSeconds', 30);
  spec.setDefault('securityContext', {});
  spec.setDefault('schedulerName', 'default-scheduler');
  for (const list of ['containers', 'initContainers']) {
    for (const ctr of spec.items(list)) defaultContainer(ctr);
  }
  for (const v of spec.items('volumes')) {
    if (Object.keys(v.peek()).length === 1) v.set('emptyDir', {}); // a volume with only a name is an emptyDir
  }
}

/**
 * DefaultTolerationSeconds' two tolerations, deep-frozen and shared by every pod that gets them (as a pod's
 * template parts are): a pod without tolerations of its own stores this very array. Never copied with a spread:
 * V8 gives each spread-then-frozen copy of an unfrozen literal a hidden class of its own, which made every pod
 * carry two extra maps and turned every reader of tolerations megamorphic.
 */
const DEFAULT_TOLERATIONS: readonly JsonObject[] = deepFreeze([
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
]);

/** A Pod (not a template) also gets server-side fields: tolerations, priority, enableServiceLinks, status. */
export function defaultPod(pod: CowObject): void {
  const spec = pod.child('spec');
  defaultPodSpec(spec);
  // SetDefaults_Pod (a Pod's, not a template's): a container with a limit but no request for a resource requests
  // its limit, which the scheduler then counts (a limits-only pod is not free to place).
  for (const list of ['containers', 'initContainers']) {
    for (const ctr of spec.items(list)) {
      const resources = ctr.child('resources');
      const limits = resources.get('limits');
      if (!isJsonObject(limits) || Object.keys(limits).length === 0) continue;
      const requests = resources.child('requests');
      for (const [k, v] of Object.entries(limits)) requests.setDefault(k, v);
    }
  }
  spec.setDefault('enableServiceLinks', true);
  spec.setDefault('priority', 0);
  spec.setDefault('preemptionPolicy', 'PreemptLowerPriority');
  // A host-network pod's ports are its node's ports: each gets hostPort = containerPort (SetDefaults_Pod's
  // defaultHostNetworkPorts; templates keep theirs unset since 1.28), which the scheduler's NodePorts filter reads.
  if (spec.get('hostNetwork') === true) {
    for (const list of ['containers', 'initContainers']) {
      for (const ctr of spec.items(list)) {
        for (const port of ctr.items('ports')) {
          const hp = port.get('hostPort');
          if ((hp === undefined || hp === 0) && typeof port.get('containerPort') === 'number') port.set('hostPort', port.get('containerPort'));
        }
      }
    }
  }
  // spec.serviceAccount is the deprecated alias of serviceAccountName (v1 conversion): a pod naming only the alias
  // runs as that account, and the stored pod shows both. An empty name is the namespace's "default" account (the
  // ServiceAccount admission plugin).
  const alias = spec.get('serviceAccount');
  const named = spec.get('serviceAccountName');
  const account = typeof named === 'string' && named !== '' ? named : typeof alias === 'string' && alias !== '' ? alias : 'default';
  if (named !== account) spec.set('serviceAccountName', account);
  if (alias !== account) spec.set('serviceAccount', account);
  // Only object items are kept, and the DefaultTolerationSeconds ones added when missing.
  const given = spec.get('tolerations');
  if (given === undefined || given === null || (Array.isArray(given) && given.length === 0)) {
    spec.set('tolerations', DEFAULT_TOLERATIONS);
    return;
  }
  const tolerations = asArray(given).filter(isJsonObject);
  for (const t of DEFAULT_TOLERATIONS) {
    if (!tolerations.some((x) => x['key'] === t['key'] && (x['effect'] === t['effect'] || x['effect'] === undefined))) tolerations.push(t);
  }
  if (!(Array.isArray(given) && given.length === tolerations.length)) spec.set('tolerations', tolerations);
}

/** Status a new Pod starts with (pod strategy PrepareForCreate): Pending, with its QoS class. */
export function initialPodStatus(pod: JsonObject): JsonObject {
  const spec = isJsonObject(pod['spec']) ? pod['spec'] : {};
  return { phase: 'Pending', qosClass: podQosClass(spec) };
}

/**
 * v1qos.GetPodQOS over containers and init containers, counting cpu and memory only: BestEffort with no request or
 * limit above zero; Guaranteed when every container limits both and the summed requests equal the summed limits
 * (requests default to limits, see defaultPod); Burstable otherwise.
 */
export function podQosClass(spec: JsonObject): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of [...asArray(spec['containers']), ...asArray(spec['initContainers'])]) {
    if (!isJsonObject(c)) continue;
    const r = isJsonObject(c['resources']) ? c['resources'] : {};
    for (const [name, v] of qosQuantities(r['requests'])) requests.set(name, (requests.get(name) ?? 0) + v);
    const limited = qosQuantities(r['limits']);
    for (const [name, v] of limited) limits.set(name, (limits.get(name) ?? 0) + v);
    if (!limited.some(([n]) => n === 'cpu') || !limited.some(([n]) => n === 'memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  for (const [name, v] of requests) if (limits.get(name) !== v) guaranteed = false;
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** The cpu and memory entries of a resource list that are above zero (a quantity that does not parse counts as zero). */
function qosQuantities(list: unknown): [string, number][] {
  if (!isJsonObject(list)) return [];
  const out: [string, number][] = [];
  for (const name of ['cpu', 'memory']) {
    if (list[name] === undefined) continue;
    let v = 0;
    try {
      // Whole millicores and bytes, so sums compare exactly ("100m" + "200m" is "300m").
      v = name === 'cpu' ? milliCpu(list[name]) : wholeQuantity(list[name]);
    } catch {
      v = 0;
    }
    if (v > 0) out.push([name, v]);
  }
  return out;
}
