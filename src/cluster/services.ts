import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { type Ip4, ip4, ip4ToString, parseIp4 } from '../addr/index.js';
import { InputError } from '../lib/index.js';
import type { TopologySpec } from '../topology/index.js';
import { fnv32 } from './names.js';

const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

/**
 * Defaults every Service as the API server does and allocates what is missing: a ClusterIP from
 * serviceCIDR (the first address goes to default/kubernetes, as the apiserver reserves it),
 * nodePorts from 30000-32767, and LoadBalancer ingress IPs from the topology's pool, lowest free
 * first as MetalLB assigns them. Values given in the manifests are honoured; a clash is an error.
 */
export function allocateServices(topology: TopologySpec, apiServerIp: Ip4 | undefined): Map<string, Service> {
  const cidr = topology.cluster.serviceCIDR;
  const usedIps = new Set<Ip4>();
  const usedNodePorts = new Map<number, string>();
  const usedLb = new Set<Ip4>();
  const out = new Map<string, Service>();
  const raw: { key: string; svc: Service; where: string }[] = [];

  if (apiServerIp !== undefined) {
    const kubernetes: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: ip4ToString(cidr.nth(1)), ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None' },
    };
    raw.push({ key: 'default/kubernetes', svc: kubernetes, where: 'built-in default/kubernetes' });
  }
  for (const { object, source } of topology.objects) {
    if (object.kind !== 'Service') continue;
    const ns = object.metadata.namespace ?? 'default';
    raw.push({ key: `${ns}/${object.metadata.name}`, svc: structuredClone(object) as unknown as Service, where: `${source.file} (document ${source.document})` });
  }

  // Pass 1: everything given explicitly, so allocation never takes an address someone asked for.
  for (const { key, svc, where } of raw) {
    const spec = svc.spec ?? {};
    if (spec.clusterIP !== undefined && spec.clusterIP !== '' && spec.clusterIP !== 'None') {
      const ip = parseIp4(spec.clusterIP, `${where}: spec.clusterIP`);
      if (usedIps.has(ip)) throw new InputError('KW_CLUSTER_CLUSTERIP_CONFLICT', `clusterIP ${spec.clusterIP} of ${key} is already allocated to another Service`, { where });
      usedIps.add(ip);
    }
    for (const [i, p] of (spec.ports ?? []).entries()) {
      if (p.nodePort === undefined) continue;
      const other = usedNodePorts.get(p.nodePort);
      if (other !== undefined) throw new InputError('KW_CLUSTER_NODEPORT_CONFLICT', `spec.ports[${i}].nodePort ${p.nodePort} of ${key} is already allocated to ${other}`, { where });
      usedNodePorts.set(p.nodePort, key);
    }
    if (spec.loadBalancerIP !== undefined && spec.loadBalancerIP !== '') usedLb.add(parseIp4(spec.loadBalancerIP, `${where}: spec.loadBalancerIP`));
  }

  for (const { key, svc } of raw) {
    const spec = { ...(svc.spec ?? {}) };
    const type = spec.type ?? 'ClusterIP';
    spec.type = type;
    spec.sessionAffinity ??= 'None';
    if (type !== 'ExternalName') {
      if (spec.clusterIP === undefined || spec.clusterIP === '') {
        spec.clusterIP = ip4ToString(allocateIp(cidr.network, cidr.size, key, usedIps));
      }
      spec.clusterIPs = [spec.clusterIP];
      spec.internalTrafficPolicy ??= 'Cluster';
    }
    const ports: ServicePort[] = (spec.ports ?? []).map((p) => {
      const port: ServicePort = { ...p, protocol: p.protocol ?? 'TCP', targetPort: p.targetPort ?? p.port };
      if ((type === 'NodePort' || type === 'LoadBalancer') && port.nodePort === undefined) {
        port.nodePort = allocateNodePort(`${key}:${p.name ?? p.port}`, usedNodePorts, key);
      }
      return port;
    });
    spec.ports = ports;
    if (type === 'NodePort' || type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
    const status: Service['status'] = {};
    if (type === 'LoadBalancer') {
      if (spec.externalTrafficPolicy === 'Local') spec.healthCheckNodePort ??= allocateNodePort(`${key}/healthz`, usedNodePorts, key);
      const ingress = spec.loadBalancerIP !== undefined && spec.loadBalancerIP !== '' ? parseIp4(spec.loadBalancerIP) : allocateLb(topology, usedLb);
      status.loadBalancer = ingress === undefined ? {} : { ingress: [{ ip: ip4ToString(ingress), ipMode: 'VIP' }] };
    }
    out.set(key, { ...svc, spec, status });
  }
  return out;
}

function allocateIp(network: number, size: number, key: string, used: Set<Ip4>): Ip4 {
  // Skip the network address, the first address (default/kubernetes) and the broadcast address.
  const usable = size - 3;
  if (usable <= 0) throw new InputError('KW_CLUSTER_SERVICE_CIDR_FULL', 'serviceCIDR is too small to allocate any ClusterIP');
  const start = fnv32(key) % usable;
  for (let i = 0; i < usable; i++) {
    const ip = ip4(network + 2 + ((start + i) % usable));
    if (!used.has(ip)) {
      used.add(ip);
      return ip;
    }
  }
  throw new InputError('KW_CLUSTER_SERVICE_CIDR_FULL', `no ClusterIP left for ${key}: the serviceCIDR is exhausted`);
}

function allocateNodePort(seed: string, used: Map<number, string>, key: string): number {
  const n = NODE_PORT_MAX - NODE_PORT_MIN + 1;
  const start = fnv32(seed) % n;
  for (let i = 0; i < n; i++) {
    const p = NODE_PORT_MIN + ((start + i) % n);
    if (!used.has(p)) {
      used.set(p, key);
      return p;
    }
  }
  throw new InputError('KW_CLUSTER_NODEPORTS_FULL', `no nodePort left for ${key}: 30000-32767 are all allocated`);
}

function allocateLb(topology: TopologySpec, used: Set<Ip4>): Ip4 | undefined {
  const pool = topology.cluster.loadBalancer?.pool;
  if (pool === undefined) return undefined;
  for (let i = 0; i < pool.size; i++) {
    const ip = pool.nth(i);
    // MetalLB hands out every address of a CIDR pool, lowest first (avoidBuggyIPs is opt-in).
    if (!used.has(ip)) {
      used.add(ip);
      return ip;
    }
  }
  return undefined;
}
