import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ip4ToString } from '../addr/index.js';
import type { PodInfo } from './model.js';
import { safeSuffix } from './names.js';

/** The EndpointSlice controller puts at most this many endpoints in one slice (--max-endpoints-per-slice). */
export const MAX_ENDPOINTS_PER_SLICE = 100;

/**
 * EndpointSlices for a Service with a selector, as the EndpointSlice controller writes them:
 * pods grouped by how the Service's targetPorts resolve on them (a named targetPort may map
 * to different numbers on different pods), at most 100 endpoints a slice, conditions from
 * readiness, nodeName and targetRef set.
 */
export function endpointSlicesFor(svc: Service, pods: readonly PodInfo[]): EndpointSlice[] {
  const spec = svc.spec;
  const ns = svc.metadata?.namespace ?? 'default';
  const name = svc.metadata?.name ?? '';
  if (spec?.selector === undefined || spec.type === 'ExternalName') return [];
  const selector = spec.selector;
  const selected = pods.filter((p) => p.namespace === ns && Object.entries(selector).every(([k, v]) => p.labels[k] === v));
  const groups = new Map<string, { ports: EndpointPort[]; pods: PodInfo[] }>();
  for (const pod of selected) {
    const ports = (spec.ports ?? []).map((sp) => endpointPort(sp, pod)).filter((p): p is EndpointPort => p !== undefined);
    const key = JSON.stringify(ports);
    const g = groups.get(key) ?? { ports, pods: [] };
    g.pods.push(pod);
    groups.set(key, g);
  }
  const slices: EndpointSlice[] = [];
  for (const g of groups.values()) {
    for (let i = 0; i < g.pods.length; i += MAX_ENDPOINTS_PER_SLICE) {
      const chunk = g.pods.slice(i, i + MAX_ENDPOINTS_PER_SLICE);
      slices.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${name}-${safeSuffix(`${ns}/${name}/${slices.length}`, 5)}`,
          namespace: ns,
          labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: '', controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4',
        endpoints: chunk.map(toEndpoint),
        ports: g.ports,
      });
    }
  }
  return slices;
}

function toEndpoint(pod: PodInfo): Endpoint {
  return {
    addresses: [ip4ToString(pod.ip)],
    conditions: { ready: pod.ready, serving: pod.ready, terminating: false },
    nodeName: pod.node,
    targetRef: { kind: 'Pod', namespace: pod.namespace, name: pod.name },
  };
}

/** A Service port's targetPort on one pod: a number as is, a name looked up in the pod's container ports. */
function endpointPort(sp: ServicePort, pod: PodInfo): EndpointPort | undefined {
  const protocol = sp.protocol ?? 'TCP';
  const t = sp.targetPort ?? sp.port;
  let port: number | undefined;
  if (typeof t === 'number') port = t;
  else if (/^\d+$/.test(t)) port = Number(t);
  else port = pod.ports.find((cp) => cp.name === t && cp.protocol === protocol)?.containerPort;
  if (port === undefined) return undefined;
  const ep: EndpointPort = { port, protocol };
  if (sp.name !== undefined) ep.name = sp.name;
  return ep;
}

/** The slice for default/kubernetes: the API server on the first node, host network, port 6443. */
export function kubernetesSlice(apiServerIp: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [apiServerIp], conditions: { ready: true, serving: true, terminating: false } }],
    ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
  };
}
