import { ip4ToString } from '../../addr/index.js';
import type { Netns } from '../netns.js';

/** `bridge fdb show` for one namespace: bridge ports' entries, then VXLAN devices' remote VTEPs. */
export function printBridgeFdb(ns: Netns): string {
  const lines: string[] = [];
  for (const l of ns.links.values()) {
    if (l.kind === 'bridge') {
      lines.push(`${l.mac} dev ${l.name} vlan 1 master ${l.name} permanent`, `${l.mac} dev ${l.name} master ${l.name} permanent`);
      for (const e of l.fdb.entries()) lines.push(`${e.mac} dev ${e.port} ${e.permanent ? 'vlan 1 ' : ''}master ${l.name}${e.permanent ? ' permanent' : ''}`);
    }
    if (l.kind === 'vxlan') {
      for (const [mac, vtep] of l.vtepFdb.entries()) lines.push(`${mac} dev ${l.name} dst ${ip4ToString(vtep)} self permanent`);
    }
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** `ip neigh show`: static entries (overlay VTEPs) of one namespace. */
export function printIpNeigh(ns: Netns): string {
  return [...ns.neigh.entries()].map((e) => `${ip4ToString(e.ip)} dev ${e.dev} lladdr ${e.mac} ${e.state}\n`).join('');
}
