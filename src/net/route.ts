import type { Cidr4, Ip4 } from '../addr/index.js';

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit';
export type RouteScope = 'global' | 'link' | 'host';

export interface NextHop {
  readonly gateway?: Ip4;
  readonly dev: string;
  readonly weight: number;
  readonly onlink?: boolean;
}

/** One routing table entry, in the words `ip route` uses. */
export interface Route {
  readonly dst: Cidr4;
  readonly type: RouteType;
  /** Single-path routes: the device and optional gateway. */
  readonly dev?: string;
  readonly gateway?: Ip4;
  readonly onlink?: boolean;
  /** ECMP routes (`nexthop via … weight 1 nexthop via …`): the flow hashes over these. */
  readonly nexthops?: readonly NextHop[];
  readonly proto: string;
  readonly scope: RouteScope;
  /** Preferred source address (`src 10.244.1.1`), set for connected routes. */
  readonly src?: Ip4;
  readonly metric?: number;
}

export function routeNextHops(r: Route): readonly NextHop[] {
  if (r.nexthops !== undefined) return r.nexthops;
  if (r.dev === undefined) return [];
  const nh: { gateway?: Ip4; dev: string; weight: number; onlink?: boolean } = { dev: r.dev, weight: 1 };
  if (r.gateway !== undefined) nh.gateway = r.gateway;
  if (r.onlink === true) nh.onlink = true;
  return [nh];
}
