import { type Cidr4, type Ip4, ip4ToString, tryParseIp4 } from '../addr/index.js';
import { apiServerRefusal } from './manifest-api-checks.js';
import { API_ONLY_KINDS, type LocatedObject, checkLabels, describeSource, failAt, isRecord } from './manifest-objects.js';
import { type LabelSelector, isEmptySelector, selectorMatches } from './names.js';

/** Namespaces every cluster has before any manifest is applied. */
export const BUILTIN_NAMESPACES: readonly string[] = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

/** kube-apiserver's default --service-node-port-range. */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

export interface ManifestContext {
  readonly nodeNames: ReadonlySet<string>;
  readonly serviceCIDR: Cidr4;
}

/**
 * Checks that need the whole object set or the cluster: pinned nodes exist, Service clusterIPs lie
 * in serviceCIDR and are unique, nodePorts are in range and unique, workload selectors match their
 * templates, namespaces exist, and no (kind, namespace, name) appears twice. Throws the first problem.
 */
export function checkManifests(objects: readonly LocatedObject[], ctx: ManifestContext): void {
  // kind → namespace → name: nested maps avoid building 150,000 composite key strings for big generated topologies.
  const seen = new Map<string, Map<string, Map<string, LocatedObject>>>();
  const namespaces = new Set(BUILTIN_NAMESPACES);
  for (const o of objects) {
    const { kind, metadata } = o.object;
    let byNs = seen.get(kind);
    if (byNs === undefined) seen.set(kind, (byNs = new Map()));
    let byName = byNs.get(metadata.namespace ?? '');
    if (byName === undefined) byNs.set(metadata.namespace ?? '', (byName = new Map()));
    const prev = byName.get(metadata.name);
    if (prev !== undefined) {
      const ns = metadata.namespace === undefined ? '' : ` in namespace ${metadata.namespace}`;
      failAt('KW_TOPOLOGY_DUPLICATE_OBJECT', o.source, `${o.base}/metadata/name`, `${kind} "${metadata.name}"${ns} is already defined in ${describeSource(prev.source)}`);
    }
    byName.set(metadata.name, o);
    if (kind === 'Namespace') namespaces.add(metadata.name);
  }

  const clusterIps = new Map<Ip4, LocatedObject>();
  const nodePorts = new Map<number, { o: LocatedObject; protocol: string }>();
  for (const o of objects) {
    const ns = o.object.metadata.namespace;
    if (ns !== undefined && o.object.kind !== 'Namespace' && !namespaces.has(ns)) {
      failAt('KW_TOPOLOGY_UNKNOWN_NAMESPACE', o.source, `${o.base}/metadata/namespace`, `namespaces "${ns}" not found: add a Namespace object named ${ns} to the manifests`);
    }
    switch (o.object.kind) {
      case 'Pod':
        checkNodeName(o, o.object['spec'], '/spec', ctx);
        checkServiceAccount(o, o.object['spec'], '/spec', seen.get('ServiceAccount'));
        checkWithApiServer(o);
        break;
      case 'Deployment':
      case 'ReplicaSet':
      case 'DaemonSet':
      case 'StatefulSet':
        checkWorkload(o, ctx);
        checkServiceAccount(o, templateSpec(o.object['spec']), '/spec/template/spec', seen.get('ServiceAccount'));
        checkWithApiServer(o);
        break;
      case 'Service':
        checkService(o, ctx, clusterIps, nodePorts);
        checkWithApiServer(o);
        break;
      default:
        if (API_ONLY_KINDS.has(o.object.kind)) checkWithApiServer(o);
        break;
    }
  }
}

/** Refuses what `kubewire serve`'s API server (and a real one) would refuse to create, in its words. */
function checkWithApiServer(o: LocatedObject): void {
  const refusal = apiServerRefusal(o.object);
  if (refusal !== undefined) failAt('KW_TOPOLOGY_INVALID_MANIFEST', o.source, `${o.base}${refusal.path}`, refusal.message);
}

function checkNodeName(o: LocatedObject, spec: unknown, at: string, ctx: ManifestContext): void {
  if (!isRecord(spec)) return;
  const nodeName = spec['nodeName'];
  if (nodeName === undefined || nodeName === null || nodeName === '') return;
  const path = `${o.base}${at}/nodeName`;
  if (typeof nodeName !== 'string') failAt('KW_TOPOLOGY_INVALID_MANIFEST', o.source, path, 'nodeName must be a string');
  if (!ctx.nodeNames.has(nodeName)) {
    failAt('KW_TOPOLOGY_UNKNOWN_NODE', o.source, path, `${o.object.kind} "${o.object.metadata.name}" is pinned to node "${nodeName}", which is not in the topology; known nodes: ${[...ctx.nodeNames].join(', ')}`);
  }
}

/**
 * The ServiceAccount admission plugin's check: a pod runs as `default` (which every namespace has) unless it names
 * another account, which must exist, or the pod is refused with 403 (and a workload's pods are never made).
 * `spec` is the pod's spec or the template's, found at `at`; `accounts` is namespace → name → object.
 */
function checkServiceAccount(o: LocatedObject, spec: unknown, at: string, accounts: ReadonlyMap<string, ReadonlyMap<string, LocatedObject>> | undefined): void {
  if (!isRecord(spec)) return;
  // serviceAccount is the deprecated alias, read when serviceAccountName is not set.
  const field = typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] !== '' ? 'serviceAccountName' : 'serviceAccount';
  const account = spec[field];
  if (typeof account !== 'string' || account === '' || account === 'default') return;
  const ns = o.object.metadata.namespace ?? 'default';
  if (accounts?.get(ns)?.has(account) === true) return;
  const why = `error looking up service account ${ns}/${account}: serviceaccount "${account}" not found`;
  const who = o.object.kind === 'Pod' ? `pods "${o.object.metadata.name}" is forbidden: ${why}` : `${o.object.kind} "${o.object.metadata.name}" would never get its pods: they are forbidden: ${why}`;
  failAt('KW_TOPOLOGY_UNKNOWN_SERVICE_ACCOUNT', o.source, `${o.base}${at}/${field}`, `${who} (add a ServiceAccount named ${account} in namespace ${ns} to the manifests)`);
}

function templateSpec(workloadSpec: unknown): unknown {
  const template = isRecord(workloadSpec) ? workloadSpec['template'] : undefined;
  return isRecord(template) ? template['spec'] : undefined;
}

/** apps/v1 validation: a non-empty selector that the pod template's labels satisfy. */
function checkWorkload(o: LocatedObject, ctx: ManifestContext): void {
  const fail = (path: string, message: string): never => failAt('KW_TOPOLOGY_INVALID_MANIFEST', o.source, `${o.base}${path}`, message);
  const spec = o.object['spec'];
  if (!isRecord(spec)) return fail('/spec', `${o.object.kind} needs a spec with a selector and a pod template`);
  const selector = spec['selector'];
  if (!isRecord(selector)) return fail('/spec/selector', 'spec.selector: Required value');
  const sel = toSelector(selector, (p, m) => fail(`/spec/selector${p}`, m));
  if (isEmptySelector(sel)) fail('/spec/selector', `spec.selector: Invalid value: empty selector is invalid for ${o.object.kind.toLowerCase()}`);
  const template = spec['template'];
  if (!isRecord(template)) return fail('/spec/template', 'spec.template: Required value');
  const meta = isRecord(template['metadata']) ? template['metadata'] : {};
  checkLabels(meta['labels'], (p, m) => fail(`/spec/template/metadata/labels${p}`, m));
  const labels = (isRecord(meta['labels']) ? meta['labels'] : {}) as Record<string, string>;
  if (selectorMatches(sel, labels) !== true) {
    fail('/spec/template/metadata/labels', `spec.template.metadata.labels: Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``);
  }
  checkNodeName(o, template['spec'], '/spec/template/spec', ctx);
}

function toSelector(v: Record<string, unknown>, fail: (path: string, message: string) => never): LabelSelector {
  const matchLabels = v['matchLabels'];
  if (matchLabels !== undefined && matchLabels !== null) checkLabels(matchLabels, (p, m) => fail(`/matchLabels${p}`, m));
  const exprs = v['matchExpressions'];
  const out: { key: string; operator: string; values: string[] }[] = [];
  if (exprs !== undefined && exprs !== null) {
    if (!Array.isArray(exprs)) fail('/matchExpressions', 'matchExpressions must be a list');
    exprs.forEach((e: unknown, i) => {
      const at = `/matchExpressions/${i}`;
      if (!isRecord(e) || typeof e['key'] !== 'string') return fail(at, 'each expression needs a key');
      const op = e['operator'];
      const values = Array.isArray(e['values']) ? e['values'].filter((x): x is string => typeof x === 'string') : [];
      if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') {
        return fail(`${at}/operator`, `Unsupported value: ${JSON.stringify(op)}: supported values: "DoesNotExist", "Exists", "In", "NotIn"`);
      }
      if ((op === 'In' || op === 'NotIn') && values.length === 0) fail(`${at}/values`, 'must be specified when `operator` is \'In\' or \'NotIn\'');
      if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) fail(`${at}/values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\'');
      out.push({ key: e['key'], operator: op, values });
      return undefined;
    });
  }
  return isRecord(matchLabels) ? { matchLabels: matchLabels as Record<string, string>, matchExpressions: out } : { matchExpressions: out };
}

function checkService(
  o: LocatedObject,
  ctx: ManifestContext,
  clusterIps: Map<Ip4, LocatedObject>,
  nodePorts: Map<number, { o: LocatedObject; protocol: string }>,
): void {
  const fail = (code: string, path: string, message: string): never => failAt(code, o.source, `${o.base}${path}`, message);
  const spec = o.object['spec'];
  if (spec === undefined || spec === null) return;
  if (!isRecord(spec)) return fail('KW_TOPOLOGY_INVALID_MANIFEST', '/spec', 'spec must be a mapping');
  const type = spec['type'] ?? 'ClusterIP';
  if (typeof type !== 'string' || !SERVICE_TYPES.includes(type)) {
    fail('KW_TOPOLOGY_INVALID_MANIFEST', '/spec/type', `spec.type: Unsupported value: ${JSON.stringify(type)}: supported values: ${SERVICE_TYPES.map((t) => `"${t}"`).join(', ')}`);
  }
  const name = o.object.metadata.name;

  const cip = spec['clusterIP'];
  if (cip !== undefined && cip !== null && cip !== '') {
    if (typeof cip !== 'string') return fail('KW_TOPOLOGY_INVALID_CLUSTER_IP', '/spec/clusterIP', 'clusterIP must be a string');
    if (cip === 'None') {
      if (type !== 'ClusterIP') fail('KW_TOPOLOGY_INVALID_CLUSTER_IP', '/spec/clusterIP', `may not be set to 'None' for ${type} services`);
    } else {
      const ip = tryParseIp4(cip);
      if (ip === undefined) return fail('KW_TOPOLOGY_INVALID_CLUSTER_IP', '/spec/clusterIP', `Service "${name}" clusterIP "${cip}" is not a valid IPv4 address`);
      // The ClusterIP allocator's range excludes the network and broadcast addresses of serviceCIDR.
      const s = ctx.serviceCIDR;
      if (!s.contains(ip) || (s.prefix <= 30 && (ip === s.network || ip === s.broadcast))) {
        fail('KW_TOPOLOGY_INVALID_CLUSTER_IP', '/spec/clusterIP', `Service "${name}" clusterIP ${cip}: the provided IP is not in the valid range. The range of valid IPs is ${s.toString()}`);
      }
      const prev = clusterIps.get(ip);
      if (prev !== undefined) {
        fail('KW_TOPOLOGY_DUPLICATE_CLUSTER_IP', '/spec/clusterIP', `Service "${name}" clusterIP ${ip4ToString(ip)}: provided IP is already allocated to Service "${prev.object.metadata.name}" (${describeSource(prev.source)})`);
      }
      clusterIps.set(ip, o);
    }
  }

  const ports = spec['ports'];
  if (!Array.isArray(ports)) return;
  ports.forEach((p: unknown, i) => {
    if (!isRecord(p)) return undefined;
    const np = p['nodePort'];
    if (np === undefined || np === null || np === 0) return undefined;
    const at = `/spec/ports/${i}/nodePort`;
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      fail('KW_TOPOLOGY_INVALID_NODE_PORT', at, `may not be used when \`type\` is '${type}'`);
    }
    if (typeof np !== 'number' || !Number.isInteger(np) || np < NODE_PORT_RANGE.min || np > NODE_PORT_RANGE.max) {
      return fail('KW_TOPOLOGY_INVALID_NODE_PORT', at, `Service "${name}" nodePort ${JSON.stringify(np)}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`);
    }
    const protocol = typeof p['protocol'] === 'string' ? p['protocol'] : 'TCP';
    const prev = nodePorts.get(np);
    // One Service may reuse a nodePort for another protocol; two Services may not share one.
    if (prev !== undefined && (prev.o !== o || prev.protocol === protocol)) {
      fail('KW_TOPOLOGY_DUPLICATE_NODE_PORT', at, `Service "${name}" nodePort ${np}: provided port is already allocated to Service "${prev.o.object.metadata.name}"`);
    }
    nodePorts.set(np, { o, protocol });
    return undefined;
  });
}
