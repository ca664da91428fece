import { ip4ToString } from '../../addr/index.js';
import type { Netns } from '../netns.js';
import type { Route } from '../route.js';

/** Protocols iproute2 leaves out of its output (`boot` is what `ip route add` uses). */
const SILENT_PROTO = new Set(['boot', 'unspec']);

/** `ip route show` (table main), sorted as the kernel dumps it: by prefix, then length. */
export function printIpRoute(ns: Netns): string {
  const routes = [...ns.main.routes()].sort((a, b) => a.dst.network - b.dst.network || a.dst.prefix - b.dst.prefix);
  return routes.map((r) => `${formatRoute(r)} \n`).join('');
}

export function formatRoute(r: Route): string {
  const parts: string[] = [];
  if (r.type !== 'unicast') parts.push(r.type);
  parts.push(r.dst.prefix === 0 ? 'default' : r.dst.toString());
  if (r.nexthops === undefined) {
    if (r.gateway !== undefined) parts.push('via', ip4ToString(r.gateway));
    if (r.dev !== undefined) parts.push('dev', r.dev);
  }
  if (!SILENT_PROTO.has(r.proto)) parts.push('proto', r.proto);
  if (r.scope !== 'global') parts.push('scope', r.scope);
  if (r.src !== undefined) parts.push('src', ip4ToString(r.src));
  if (r.metric !== undefined) parts.push('metric', String(r.metric));
  if (r.onlink === true) parts.push('onlink');
  let text = parts.join(' ');
  for (const nh of r.nexthops ?? []) {
    text += ` \n\tnexthop${nh.gateway === undefined ? '' : ` via ${ip4ToString(nh.gateway)}`} dev ${nh.dev} weight ${nh.weight}${nh.onlink === true ? ' onlink' : ''}`;
  }
  return text;
}
