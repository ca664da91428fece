import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Cidr4, type Ip4, parseIp4 } from '../addr/index.js';
import type { NextHop } from '../net/index.js';
import type { ExternalInfo, NodeInfo } from './model.js';
import { fnv32 } from './names.js';

/** How an LB ingress address is reached from outside, for `kubewire show` and tests. */
export interface LbAnnouncement {
  readonly service: string;
  readonly ip: Ip4;
  readonly mode: 'bgp' | 'l2';
  /** bgp: every announcing node (ECMP); l2: the one node answering ARP. */
  readonly nodes: readonly string[];
}

/**
 * Announces LoadBalancer ingress IPs as MetalLB does. `bgp`: every eligible node advertises a
 * /32 and the upstream router spreads flows over them (ECMP); kubewire puts that router's
 * routes on the external hosts. Eligible means every node, or under externalTrafficPolicy:
 * Local only nodes with a ready local endpoint. `l2`: one eligible node answers ARP for the
 * address on the node network, chosen deterministically (MetalLB hashes node and service name).
 */
export function announceLoadBalancers(
  mode: 'bgp' | 'l2',
  services: ReadonlyMap<string, Service>,
  slices: readonly EndpointSlice[],
  nodes: ReadonlyMap<string, NodeInfo>,
  externals: ReadonlyMap<string, ExternalInfo>,
): LbAnnouncement[] {
  const out: LbAnnouncement[] = [];
  for (const [key, svc] of services) {
    if (svc.spec?.type !== 'LoadBalancer') continue;
    const local = svc.spec.externalTrafficPolicy === 'Local';
    const withEndpoints = new Set<string>();
    for (const s of slices) {
      if (s.metadata?.namespace !== svc.metadata?.namespace || s.metadata?.labels?.['kubernetes.io/service-name'] !== svc.metadata?.name) continue;
      for (const e of s.endpoints) if (e.conditions?.ready !== false && e.nodeName !== undefined) withEndpoints.add(e.nodeName);
    }
    const eligible = [...nodes.values()].filter((n) => !local || withEndpoints.has(n.spec.name));
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
      if (ing.ip === undefined) continue;
      const ip = parseIp4(ing.ip);
      if (eligible.length === 0) {
        out.push({ service: key, ip, mode, nodes: [] });
        continue;
      }
      if (mode === 'bgp') {
        const nexthops: NextHop[] = eligible.map((n) => ({ gateway: n.spec.ip, dev: 'eth0', weight: 1 }));
        for (const ext of externals.values()) {
          ext.netns.addRoute({ dst: Cidr4.host(ip), type: 'unicast', nexthops, proto: 'bgp', scope: 'global' });
        }
        out.push({ service: key, ip, mode, nodes: eligible.map((n) => n.spec.name) });
      } else {
        const chosen = [...eligible].sort((a, b) => fnv32(`${a.spec.name}#${ing.ip ?? ''}`) - fnv32(`${b.spec.name}#${ing.ip ?? ''}`))[0];
        if (chosen === undefined) continue;
        const eth0 = chosen.netns.link('eth0');
        if (eth0 !== undefined && eth0.kind === 'uplink') eth0.segment.announce(ip, { netns: chosen.netns.name, dev: 'eth0', mac: eth0.mac });
        out.push({ service: key, ip, mode, nodes: [chosen.spec.name] });
      }
    }
  }
  return out;
}

