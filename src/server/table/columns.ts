import {
  getPath,
  isJsonObject,
  selectorFromLabelSelector,
  selectorFromMap,
  selectorToString,
  type KubeObject,
} from '../../api/index.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { age } from './human-duration.js';

/**
 * Server-side printing columns, as pkg/printers/internalversion/printers.go defines them for v1.32:
 * the same names, order and priorities (priority 1 = shown only by `-o wide`), and cell texts.
 */
export interface ColumnDefinition {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'date';
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

export type Cell = string | number;

export interface Printer {
  readonly columns: readonly ColumnDefinition[];
  cells(obj: KubeObject, nowMs: number): Cell[];
}

const col = (name: string, type: ColumnDefinition['type'] = 'string', priority = 0, format = ''): ColumnDefinition => ({
  name,
  type,
  format,
  description: `${name} column`,
  priority,
});
const NAME = col('Name', 'string', 0, 'name');
const AGE = col('Age');

const str = (o: unknown, path: string[]): string | undefined => {
  const v = getPath(o, path);
  return typeof v === 'string' && v !== '' ? v : undefined;
};
const num = (o: unknown, path: string[]): number => {
  const v = getPath(o, path);
  return typeof v === 'number' ? v : 0;
};
const arr = (o: unknown, path: string[]): unknown[] => {
  const v = getPath(o, path);
  return Array.isArray(v) ? v : [];
};
const orNone = (s: string | undefined): string => (s === undefined || s === '' ? '<none>' : s);

function labelSelectorText(o: unknown, path: string[]): string {
  try {
    const sel = selectorFromLabelSelector(getPath(o, path) as LabelSelector | undefined);
    return sel === null || sel.length === 0 ? '<none>' : selectorToString(sel);
  } catch {
    return '<invalid>';
  }
}

function containersAndImages(o: unknown): [string, string] {
  const ctrs = arr(o, ['spec', 'template', 'spec', 'containers']).filter(isJsonObject);
  return [ctrs.map((c) => String(c['name'] ?? '')).join(','), ctrs.map((c) => String(c['image'] ?? '')).join(',')];
}

/** "a, b, c + 2 more...", the list formatting of formatEndpoints / formatEndpointSlice (max 3 shown). */
function firstThree(items: string[]): string {
  if (items.length === 0) return '<none>';
  const shown = items.slice(0, 3).join(',');
  return items.length > 3 ? `${shown} + ${items.length - 3} more...` : shown;
}

const pod: Printer = {
  columns: [NAME, col('Ready'), col('Status'), col('Restarts'), AGE, col('IP', 'string', 1), col('Node', 'string', 1), col('Nominated Node', 'string', 1), col('Readiness Gates', 'string', 1)],
  cells(o, now) {
    const statuses = arr(o, ['status', 'containerStatuses']).filter(isJsonObject);
    const total = arr(o, ['spec', 'containers']).length;
    const ready = statuses.filter((s) => s['ready'] === true).length;
    const restarts = statuses.reduce((n, s) => n + (typeof s['restartCount'] === 'number' ? s['restartCount'] : 0), 0);
    let reason = str(o, ['status', 'reason']) ?? str(o, ['status', 'phase']) ?? 'Unknown';
    for (const s of statuses) {
      const waiting = str(s, ['state', 'waiting', 'reason']);
      const term = str(s, ['state', 'terminated', 'reason']);
      if (waiting !== undefined) reason = waiting;
      else if (term !== undefined) reason = term;
    }
    if (o.metadata.deletionTimestamp !== undefined) reason = 'Terminating';
    const gates = arr(o, ['spec', 'readinessGates']).length;
    return [o.metadata.name ?? '', `${ready}/${total}`, reason, String(restarts), age(o.metadata.creationTimestamp, now), orNone(str(o, ['status', 'podIP'])), orNone(str(o, ['spec', 'nodeName'])), orNone(str(o, ['status', 'nominatedNodeName'])), gates === 0 ? '<none>' : `0/${gates}`];
  },
};

function servicePorts(o: unknown): string {
  const ports = arr(o, ['spec', 'ports']).filter(isJsonObject);
  if (ports.length === 0) return '<none>';
  return ports
    .map((p) => {
      const np = typeof p['nodePort'] === 'number' && p['nodePort'] !== 0 ? `:${p['nodePort']}` : '';
      return `${String(p['port'])}${np}/${String(p['protocol'] ?? 'TCP')}`;
    })
    .join(',');
}

function externalIp(o: unknown): string {
  const type = str(o, ['spec', 'type']) ?? 'ClusterIP';
  const ext = arr(o, ['spec', 'externalIPs']).map(String);
  switch (type) {
    case 'ExternalName':
      return str(o, ['spec', 'externalName']) ?? '<none>';
    case 'LoadBalancer': {
      const ingress = arr(o, ['status', 'loadBalancer', 'ingress'])
        .filter(isJsonObject)
        .map((i) => String(i['ip'] ?? i['hostname'] ?? ''));
      const all = [...ingress, ...ext];
      return all.length === 0 ? '<pending>' : all.join(',');
    }
    default:
      return ext.length === 0 ? '<none>' : ext.join(',');
  }
}

const service: Printer = {
  columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', 'string', 1)],
  cells(o, now) {
    const sel = getPath(o, ['spec', 'selector']);
    const selText = isJsonObject(sel) && Object.keys(sel).length > 0 ? selectorToString(selectorFromMap(sel as Record<string, string>)) : '<none>';
    return [o.metadata.name ?? '', str(o, ['spec', 'type']) ?? 'ClusterIP', orNone(str(o, ['spec', 'clusterIP'])), externalIp(o), servicePorts(o), age(o.metadata.creationTimestamp, now), selText];
  },
};

const deployment: Printer = {
  columns: [NAME, col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
  cells(o, now) {
    const [c, i] = containersAndImages(o);
    return [o.metadata.name ?? '', `${num(o, ['status', 'readyReplicas'])}/${num(o, ['spec', 'replicas'])}`, num(o, ['status', 'updatedReplicas']), num(o, ['status', 'availableReplicas']), age(o.metadata.creationTimestamp, now), c, i, labelSelectorText(o, ['spec', 'selector'])];
  },
};

const replicaSet: Printer = {
  columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
  cells(o, now) {
    const [c, i] = containersAndImages(o);
    return [o.metadata.name ?? '', num(o, ['spec', 'replicas']), num(o, ['status', 'replicas']), num(o, ['status', 'readyReplicas']), age(o.metadata.creationTimestamp, now), c, i, labelSelectorText(o, ['spec', 'selector'])];
  },
};

/** printDaemonSet: the status counts, then the template's node selector as labels.FormatLabels writes it. */
const daemonSet: Printer = {
  columns: [
    NAME,
    col('Desired', 'integer'),
    col('Current', 'integer'),
    col('Ready', 'integer'),
    col('Up-to-date', 'integer'),
    col('Available', 'integer'),
    col('Node Selector'),
    AGE,
    col('Containers', 'string', 1),
    col('Images', 'string', 1),
    col('Selector', 'string', 1),
  ],
  cells(o, now) {
    const [c, i] = containersAndImages(o);
    const sel = getPath(o, ['spec', 'template', 'spec', 'nodeSelector']);
    const nodeSelector = isJsonObject(sel) && Object.keys(sel).length > 0 ? Object.entries(sel).map(([k, v]) => `${k}=${String(v)}`).sort().join(',') : '<none>';
    const st = (k: string): number => num(o, ['status', k]);
    return [o.metadata.name ?? '', st('desiredNumberScheduled'), st('currentNumberScheduled'), st('numberReady'), st('updatedNumberScheduled'), st('numberAvailable'), nodeSelector, age(o.metadata.creationTimestamp, now), c, i, labelSelectorText(o, ['spec', 'selector'])];
  },
};

/** printStatefulSet: ready of desired. */
const statefulSet: Printer = {
  columns: [NAME, col('Ready'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1)],
  cells(o, now) {
    const [c, i] = containersAndImages(o);
    return [o.metadata.name ?? '', `${num(o, ['status', 'readyReplicas'])}/${num(o, ['spec', 'replicas'])}`, age(o.metadata.creationTimestamp, now), c, i];
  },
};

function nodeStatus(o: unknown): string {
  const ready = arr(o, ['status', 'conditions']).filter(isJsonObject).find((c) => c['type'] === 'Ready');
  const parts = [ready === undefined ? 'Unknown' : ready['status'] === 'True' ? 'Ready' : 'NotReady'];
  if (getPath(o, ['spec', 'unschedulable']) === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(o: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v !== '') roles.add(v);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function nodeAddress(o: unknown, type: string): string {
  const a = arr(o, ['status', 'addresses']).filter(isJsonObject).find((x) => x['type'] === type);
  return typeof a?.['address'] === 'string' ? a['address'] : '<none>';
}

const node: Printer = {
  columns: [NAME, col('Status'), col('Roles'), AGE, col('Version'), col('Internal-IP', 'string', 1), col('External-IP', 'string', 1), col('OS-Image', 'string', 1), col('Kernel-Version', 'string', 1), col('Container-Runtime', 'string', 1)],
  cells(o, now) {
    const info = (k: string): string => str(o, ['status', 'nodeInfo', k]) ?? '<unknown>';
    return [o.metadata.name ?? '', nodeStatus(o), nodeRoles(o), age(o.metadata.creationTimestamp, now), str(o, ['status', 'nodeInfo', 'kubeletVersion']) ?? '', nodeAddress(o, 'InternalIP'), nodeAddress(o, 'ExternalIP'), info('osImage'), info('kernelVersion'), info('containerRuntimeVersion')];
  },
};

const namespace: Printer = {
  columns: [NAME, col('Status'), AGE],
  cells(o, now) {
    return [o.metadata.name ?? '', o.metadata.deletionTimestamp !== undefined ? 'Terminating' : (str(o, ['status', 'phase']) ?? 'Active'), age(o.metadata.creationTimestamp, now)];
  },
};

const endpoints: Printer = {
  columns: [NAME, col('Endpoints'), AGE],
  cells(o, now) {
    const list: string[] = [];
    for (const s of arr(o, ['subsets']).filter(isJsonObject)) {
      const ports = arr(s, ['ports']).filter(isJsonObject);
      for (const a of arr(s, ['addresses']).filter(isJsonObject)) {
        if (ports.length === 0) list.push(String(a['ip']));
        for (const p of ports) list.push(`${String(a['ip'])}:${String(p['port'])}`);
      }
    }
    return [o.metadata.name ?? '', firstThree(list), age(o.metadata.creationTimestamp, now)];
  },
};

const endpointSlice: Printer = {
  columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
  cells(o, now) {
    const ports = arr(o, ['ports']).filter(isJsonObject).map((p) => (p['port'] === undefined ? '<unset>' : String(p['port'])));
    const addrs = arr(o, ['endpoints']).filter(isJsonObject).flatMap((e) => arr(e, ['addresses']).map(String));
    return [o.metadata.name ?? '', str(o, ['addressType']) ?? '', ports.length === 0 ? '<unset>' : ports.join(','), addrs.length === 0 ? '<unset>' : firstThree(addrs), age(o.metadata.creationTimestamp, now)];
  },
};

const event: Printer = {
  columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message')],
  cells(o, now) {
    const last = str(o, ['lastTimestamp']) ?? str(o, ['eventTime']) ?? o.metadata.creationTimestamp;
    const obj = `${(str(o, ['involvedObject', 'kind']) ?? '').toLowerCase()}/${str(o, ['involvedObject', 'name']) ?? ''}`;
    return [age(last, now), str(o, ['type']) ?? '', str(o, ['reason']) ?? '', obj, str(o, ['message']) ?? ''];
  },
};

/** printConfigMap: keys of data and binaryData together. */
const configMap: Printer = {
  columns: [NAME, col('Data'), AGE],
  cells: (o, now) => [o.metadata.name ?? '', keyCount(o['data']) + keyCount(o['binaryData']), age(o.metadata.creationTimestamp, now)],
};

/** printSecret: the type and the number of data keys. */
const secret: Printer = {
  columns: [NAME, col('Type'), col('Data'), AGE],
  cells: (o, now) => [o.metadata.name ?? '', str(o, ['type']) ?? '', keyCount(o['data']), age(o.metadata.creationTimestamp, now)],
};

/** printLease: the holder identity, empty when unset. */
const lease: Printer = {
  columns: [NAME, col('Holder'), AGE],
  cells: (o, now) => [o.metadata.name ?? '', str(o, ['spec', 'holderIdentity']) ?? '', age(o.metadata.creationTimestamp, now)],
};

const keyCount = (m: unknown): number => (isJsonObject(m) ? Object.keys(m).length : 0);

/** printServiceAccount: the number of secrets listed (none since 1.24, when tokens stopped being Secrets). */
const serviceAccount: Printer = {
  columns: [NAME, col('Secrets', 'integer'), AGE],
  cells: (o, now) => [o.metadata.name ?? '', arr(o, ['secrets']).length, age(o.metadata.creationTimestamp, now)],
};

/**
 * rbac.SubjectsStrings: the users, groups and service accounts a binding names, in its order; an account
 * with a namespace reads "namespace:name".
 */
function subjectNames(o: KubeObject, kind: string): string {
  const out: string[] = [];
  for (const s of arr(o, ['subjects'])) {
    if (!isJsonObject(s) || s['kind'] !== kind) continue;
    const name = typeof s['name'] === 'string' ? s['name'] : '';
    const ns = typeof s['namespace'] === 'string' ? s['namespace'] : '';
    out.push(kind === 'ServiceAccount' && ns !== '' ? `${ns}:${name}` : name);
  }
  return out.join(', ');
}

/** printRoleBinding / printClusterRoleBinding: the role as Kind/name; -o wide adds its subjects by kind. */
const binding: Printer = {
  columns: [NAME, col('Role'), AGE, col('Users', 'string', 1), col('Groups', 'string', 1), col('ServiceAccounts', 'string', 1)],
  cells: (o, now) => [
    o.metadata.name ?? '',
    `${str(o, ['roleRef', 'kind']) ?? ''}/${str(o, ['roleRef', 'name']) ?? ''}`,
    age(o.metadata.creationTimestamp, now),
    subjectNames(o, 'User'),
    subjectNames(o, 'Group'),
    subjectNames(o, 'ServiceAccount'),
  ],
};

/**
 * printIngress: the class (<none> when unset), the first three rule hosts ("*" for none, "+ N more..." past three),
 * the load balancer addresses from status (IPs, else hostnames; sorted, deduplicated), "80" or "80, 443" with TLS.
 */
const ingress: Printer = {
  columns: [NAME, col('Class'), col('Hosts'), col('Address'), col('Ports'), AGE],
  cells(o, now) {
    const rules = arr(o, ['spec', 'rules']).filter(isJsonObject);
    const hosts = rules.map((r) => (typeof r['host'] === 'string' ? r['host'] : '')).filter((h) => h !== '');
    let hostText = hosts.length === 0 ? '*' : hosts.slice(0, 3).join(',');
    if (hosts.length > 0 && rules.length > 3) hostText += ` + ${rules.length - 3} more...`;
    const addrs = arr(o, ['status', 'loadBalancer', 'ingress'])
      .filter(isJsonObject)
      .map((i) => (typeof i['ip'] === 'string' && i['ip'] !== '' ? i['ip'] : typeof i['hostname'] === 'string' ? i['hostname'] : ''))
      .filter((a) => a !== '');
    return [
      o.metadata.name ?? '',
      str(o, ['spec', 'ingressClassName']) ?? '<none>',
      hostText,
      [...new Set(addrs)].sort().join(','),
      arr(o, ['spec', 'tls']).length > 0 ? '80, 443' : '80',
      age(o.metadata.creationTimestamp, now),
    ];
  },
};

/** printIngressClass: its controller and parameters as Kind[.apiGroup]/name. */
const ingressClass: Printer = {
  columns: [NAME, col('Controller'), col('Parameters'), AGE],
  cells(o, now) {
    const p = getPath(o, ['spec', 'parameters']);
    let params = '<none>';
    if (isJsonObject(p)) {
      const group = typeof p['apiGroup'] === 'string' && p['apiGroup'] !== '' ? `.${p['apiGroup']}` : '';
      params = `${String(p['kind'] ?? '')}${group}/${String(p['name'] ?? '')}`;
    }
    return [o.metadata.name ?? '', str(o, ['spec', 'controller']) ?? '', params, age(o.metadata.creationTimestamp, now)];
  },
};

/** printPodDisruptionBudget: minAvailable and maxUnavailable as set (an int or a percent), N/A when unset. */
const podDisruptionBudget: Printer = {
  columns: [NAME, col('Min Available'), col('Max Unavailable'), col('Allowed Disruptions', 'integer'), AGE],
  cells(o, now) {
    const intOrPercent = (k: string): string => {
      const v = getPath(o, ['spec', k]);
      return typeof v === 'number' || typeof v === 'string' ? String(v) : 'N/A';
    };
    return [o.metadata.name ?? '', intOrPercent('minAvailable'), intOrPercent('maxUnavailable'), num(o, ['status', 'disruptionsAllowed']), age(o.metadata.creationTimestamp, now)];
  },
};

/**
 * The API server's DefaultTableConvertor, for kinds without a printer of their own (Roles, ClusterRoles): the
 * name and the creation time as an RFC 3339 UTC timestamp, not an age.
 */
const fallback: Printer = {
  columns: [NAME, col('Created At', 'date')],
  cells: (o) => [o.metadata.name ?? '', o.metadata.creationTimestamp ?? ''],
};

const PRINTERS: Readonly<Record<string, Printer>> = {
  Pod: pod,
  Service: service,
  Deployment: deployment,
  ReplicaSet: replicaSet,
  DaemonSet: daemonSet,
  StatefulSet: statefulSet,
  Node: node,
  Namespace: namespace,
  Endpoints: endpoints,
  EndpointSlice: endpointSlice,
  Event: event,
  ConfigMap: configMap,
  Secret: secret,
  Lease: lease,
  ServiceAccount: serviceAccount,
  RoleBinding: binding,
  ClusterRoleBinding: binding,
  PodDisruptionBudget: podDisruptionBudget,
  Ingress: ingress,
  IngressClass: ingressClass,
};

export function printerFor(kind: string): Printer {
  return PRINTERS[kind] ?? fallback;
}
