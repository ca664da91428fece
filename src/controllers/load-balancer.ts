import type { Cidr4, Ip4 } from '../addr/index.js';
import { ip4ToString, tryParseIp4 } from '../addr/index.js';
import { jsonEqual, type KubeObject } from '../api/index.js';
import type { ApiServer } from '../apiserver/index.js';
import { SLICE_SERVICE_INDEX } from './endpoint-slice.js';
import type { Informers } from './runtime/informers.js';
import { condition, fnv32, nsName, R, specOf, splitKey, statusOf } from './runtime/objects.js';
import { QueueController } from './runtime/work-queue.js';

/**
 * MetalLB's controller: a LoadBalancer Service gets an ingress IP from the pool (the lowest free
 * address, as MetalLB's allocator hands out a CIDR pool), or its spec.loadBalancerIP when that is
 * in the pool and free; the address goes to status.loadBalancer.ingress and back to the pool when
 * the Service goes or changes type. A Service asking for an address it cannot have gets none.
 */
export class LoadBalancerController extends QueueController {
  readonly name = 'loadbalancer-controller';
  private readonly owner = new Map<Ip4, string>();

  constructor(
    private readonly api: ApiServer,
    private readonly informers: Informers,
    private readonly pool: Cidr4 | undefined,
  ) {
    super();
    informers.on(R.services, (type, svc, old) => {
      const key = nsName(svc);
      for (const o of old === undefined ? [] : [old]) for (const ip of ingressIps(o)) if (this.owner.get(ip) === key) this.owner.delete(ip);
      if (type === 'DELETED' || specOf(svc)['type'] !== 'LoadBalancer') {
        if (type !== 'DELETED' && ingressIps(svc).length > 0) this.enqueue(key);
        return;
      }
      for (const ip of ingressIps(svc)) this.owner.set(ip, key);
      this.enqueue(key);
    });
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const svc = this.informers.get(R.services, ns, name);
    if (svc === undefined) return;
    const isLb = specOf(svc)['type'] === 'LoadBalancer';
    const have = ingressIps(svc);
    let want: Ip4 | undefined;
    if (isLb && this.pool !== undefined) {
      const asked = specOf(svc)['loadBalancerIP'];
      const askedIp = typeof asked === 'string' && asked !== '' ? tryParseIp4(asked) : undefined;
      if (askedIp !== undefined) want = this.pool.contains(askedIp) && (this.owner.get(askedIp) ?? key) === key ? askedIp : undefined;
      else want = have.find((ip) => this.pool?.contains(ip) === true) ?? this.lowestFree();
    }
    const ingress = want === undefined ? [] : [{ ip: ip4ToString(want), ipMode: 'VIP' }];
    const status = { ...statusOf(svc), loadBalancer: ingress.length === 0 ? {} : { ingress } };
    if (jsonEqual(status, statusOf(svc))) return;
    if (want !== undefined) this.owner.set(want, key);
    await this.api.update(R.services, ns, name, { ...svc, status }, { subresource: 'status' });
  }

  private lowestFree(): Ip4 | undefined {
    if (this.pool === undefined) return undefined;
    for (let i = 0; i < this.pool.size; i++) {
      const ip = this.pool.nth(i);
      if (!this.owner.has(ip)) return ip;
    }
    return undefined;
  }
}

export function ingressIps(svc: KubeObject): Ip4[] {
  const lb = statusOf(svc)['loadBalancer'] as { ingress?: { ip?: string }[] } | undefined;
  return (lb?.ingress ?? []).map((i) => (i.ip === undefined ? undefined : tryParseIp4(i.ip))).filter((x): x is Ip4 => x !== undefined);
}

/** How one ingress IP is announced: bgp by every eligible node (ECMP), l2 by one. */
export interface Announcement {
  readonly service: string;
  readonly ip: Ip4;
  readonly mode: 'bgp' | 'l2';
  readonly nodes: readonly string[];
}

/**
 * MetalLB's speakers, decided from the objects: a node is eligible when it is Ready (its speaker
 * runs) and, under externalTrafficPolicy: Local, holds a ready endpoint of the Service. bgp: every
 * eligible node advertises the /32; l2: the eligible node whose hash of "<node>#<ip>" sorts first
 * answers ARP for it (MetalLB sorts by a hash of node and address), so the choice is stable.
 */
export function announcements(informers: Informers, mode: 'bgp' | 'l2'): Announcement[] {
  const ready = [...informers.list(R.nodes)].filter((n) => condition(n, 'Ready')?.status === 'True').map((n) => n.metadata.name ?? '');
  const out: Announcement[] = [];
  const services = [...informers.list(R.services)].filter((s) => specOf(s)['type'] === 'LoadBalancer').sort((a, b) => (nsName(a) < nsName(b) ? -1 : 1));
  for (const svc of services) {
    const key = nsName(svc);
    let eligible = ready;
    if (specOf(svc)['externalTrafficPolicy'] === 'Local') {
      const withEp = new Set<string>();
      for (const slice of informers.byIndex(R.endpointSlices, SLICE_SERVICE_INDEX, key)) {
        for (const e of (Array.isArray(slice['endpoints']) ? slice['endpoints'] : []) as { conditions?: { ready?: boolean }; nodeName?: string }[]) {
          if (e.conditions?.ready !== false && e.nodeName !== undefined) withEp.add(e.nodeName);
        }
      }
      eligible = ready.filter((n) => withEp.has(n));
    }
    for (const ip of ingressIps(svc)) {
      const text = ip4ToString(ip);
      if (mode === 'bgp' || eligible.length === 0) out.push({ service: key, ip, mode, nodes: [...eligible] });
      else {
        const chosen = [...eligible].sort((a, b) => fnv32(`${a}#${text}`) - fnv32(`${b}#${text}`))[0];
        out.push({ service: key, ip, mode, nodes: chosen === undefined ? [] : [chosen] });
      }
    }
  }
  return out;
}
