import { Cidr4, type Ip4, ip4, ip4ToString, tryParseIp4 } from '../addr/index.js';
import { DEFAULT_NODE_PORT_RANGE, DEFAULT_VALIDATION_OPTIONS, fieldError, isJsonObject, validateObject, type FieldError, type KubeObject, type ResourceType } from '../api/index.js';
import { apiErrors, type AdmissionOperation, type AdmissionPlugin } from '../apiserver/index.js';
import type { Informers } from './runtime/informers.js';
import { fnv32, nsName, R, specOf } from './runtime/objects.js';

interface Held {
  clusterIP?: Ip4;
  nodePorts: Set<number>;
}

export interface ServiceAllocatorOptions {
  readonly serviceCIDR: Cidr4;
  readonly nodePortRange?: { readonly min: number; readonly max: number };
}

/**
 * ClusterIP and NodePort allocation, done where kube-apiserver does it: in the Service REST
 * storage on create and update, before the object is stored (here an admission plugin after
 * defaulting). An explicit clusterIP or nodePort is honoured; one already held by another Service
 * is a 422 naming the field, with nothing stored. Free values are found by hashing the Service's
 * name (kubernetes draws at random; a hash keeps runs reproducible and matches buildCluster), the
 * first address of the range being kept for default/kubernetes. Values are released when the
 * Service goes or stops needing them, which the informer reports.
 */
export class ServiceAllocator implements AdmissionPlugin {
  readonly name = 'ServiceAllocator';
  private readonly ips = new Map<Ip4, string>();
  private readonly ports = new Map<number, string>();
  private readonly held = new Map<string, Held>();
  private readonly cidr: Cidr4;
  private readonly range: { readonly min: number; readonly max: number };

  constructor(opts: ServiceAllocatorOptions) {
    this.cidr = opts.serviceCIDR;
    this.range = opts.nodePortRange ?? DEFAULT_NODE_PORT_RANGE;
  }

  /** Follows stored Services, so what is held is what is stored (and what a failed write reserved is freed). */
  attach(informers: Informers): void {
    informers.on(R.services, (type, svc) => {
      if (type === 'DELETED') this.release(nsName(svc));
      else this.hold(nsName(svc), svc);
    });
  }

  /** The address default/kubernetes gets: the range's first. */
  get kubernetesIP(): string {
    return ip4ToString(this.cidr.nth(1));
  }

  admit(op: AdmissionOperation, r: ResourceType, obj: KubeObject, old: KubeObject | undefined): void {
    if (r.kind !== 'Service') return;
    // Let validation report a malformed object first; allocate only for objects that can be stored.
    if (validateObject(r, obj, old, { ...DEFAULT_VALIDATION_OPTIONS, nodePortRange: this.range }).length > 0) return;
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
    const spec = specOf(obj);
    const type = typeof spec['type'] === 'string' ? spec['type'] : 'ClusterIP';
    const errs: FieldError[] = [];
    const mine = this.held.get(key);
    let ip: Ip4 | undefined;
    const cip = spec['clusterIP'];
    if (type !== 'ExternalName' && cip !== 'None') {
      if (typeof cip === 'string' && cip !== '') {
        const want = tryParseIp4(cip);
        if (want !== undefined && mine?.clusterIP !== want) {
          const holder = this.ips.get(want);
          if (!this.cidr.contains(want)) errs.push(fieldError.invalid('spec.clusterIPs', [cip], `failed to allocate IP ${cip}: the provided IP (${cip}) is not in the valid range. The range of valid IPs is ${this.cidr.toString()}`));
          else if (holder !== undefined && holder !== key) errs.push(fieldError.invalid('spec.clusterIPs', [cip], `failed to allocate IP ${cip}: provided IP is already allocated`));
          else ip = want;
        }
      } else ip = mine?.clusterIP ?? this.freeIp(key);
    }
    const ports = Array.isArray(spec['ports']) ? spec['ports'] : [];
    const needPorts = type === 'NodePort' || (type === 'LoadBalancer' && spec['allocateLoadBalancerNodePorts'] !== false);
    const taken = new Set<number>();
    ports.forEach((p, i) => {
      if (!isJsonObject(p) || !needPorts) return;
      const np = p['nodePort'];
      if (typeof np === 'number' && np !== 0) {
        const holder = this.ports.get(np);
        if (holder !== undefined && holder !== key) errs.push(fieldError.invalid(`spec.ports[${i}].nodePort`, np, 'provided port is already allocated'));
        taken.add(np);
      }
    });
    if (errs.length > 0) throw apiErrors.invalid(r, obj.metadata.name ?? '', errs);
    if (ip !== undefined) {
      spec['clusterIP'] = ip4ToString(ip);
      spec['clusterIPs'] = [ip4ToString(ip)];
    }
    if (needPorts) {
      for (const p of ports) {
        if (!isJsonObject(p) || (typeof p['nodePort'] === 'number' && p['nodePort'] !== 0)) continue;
        const port = this.freePort(`${key}:${typeof p['name'] === 'string' && p['name'] !== '' ? p['name'] : String(p['port'])}`, key, taken);
        p['nodePort'] = port;
        taken.add(port);
      }
    }
    if (type === 'LoadBalancer' && spec['externalTrafficPolicy'] === 'Local' && (spec['healthCheckNodePort'] === undefined || spec['healthCheckNodePort'] === 0)) {
      const port = this.freePort(`${key}/healthz`, key, taken);
      spec['healthCheckNodePort'] = port;
    }
    // Reserve now, so a second create before this one's watch event cannot take the same values.
    this.hold(key, obj);
  }

  private hold(key: string, svc: KubeObject): void {
    this.release(key);
    const spec = specOf(svc);
    const h: Held = { nodePorts: new Set() };
    const ip = typeof spec['clusterIP'] === 'string' ? tryParseIp4(spec['clusterIP']) : undefined;
    if (ip !== undefined && spec['type'] !== 'ExternalName') {
      h.clusterIP = ip;
      this.ips.set(ip, key);
    }
    const ports = Array.isArray(spec['ports']) ? spec['ports'] : [];
    for (const p of ports) if (isJsonObject(p) && typeof p['nodePort'] === 'number' && p['nodePort'] !== 0) h.nodePorts.add(p['nodePort']);
    if (typeof spec['healthCheckNodePort'] === 'number' && spec['healthCheckNodePort'] !== 0) h.nodePorts.add(spec['healthCheckNodePort']);
    for (const p of h.nodePorts) this.ports.set(p, key);
    this.held.set(key, h);
  }

  private release(key: string): void {
    const h = this.held.get(key);
    if (h === undefined) return;
    if (h.clusterIP !== undefined && this.ips.get(h.clusterIP) === key) this.ips.delete(h.clusterIP);
    for (const p of h.nodePorts) if (this.ports.get(p) === key) this.ports.delete(p);
    this.held.delete(key);
  }

  private freeIp(key: string): Ip4 {
    // Skip the network address, the first address (default/kubernetes) and the broadcast address.
    const usable = this.cidr.size - 3;
    if (key === 'default/kubernetes') return this.cidr.nth(1);
    const start = usable > 0 ? fnv32(key) % usable : 0;
    for (let i = 0; i < usable; i++) {
      const ip = ip4(this.cidr.network + 2 + ((start + i) % usable));
      if (!this.ips.has(ip)) return ip;
    }
    throw apiErrors.unprocessable(`Internal error occurred: failed to allocate a serviceIP: range is full`);
  }

  private freePort(seed: string, key: string, taken: ReadonlySet<number>): number {
    const n = this.range.max - this.range.min + 1;
    const start = fnv32(seed) % n;
    for (let i = 0; i < n; i++) {
      const p = this.range.min + ((start + i) % n);
      if (!this.ports.has(p) && !taken.has(p)) return p;
    }
    throw apiErrors.unprocessable(`Internal error occurred: failed to allocate a nodePort for ${key}: range is full`);
  }
}
