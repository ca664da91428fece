import type { Cidr4, Ip4 } from '../addr/index.js';
import { type FlatRoutes, flatLength, flatLookup, flatMatch, PrefixTable } from './prefix-table.js';
import type { Route } from './route.js';
import { SharedRouteIndex } from './shared-route-index.js';

/** A shared route and the node it leads to (whose own table does not see it). */
export interface SharedRoute {
  readonly route: Route;
  readonly owner: string;
  /** SharedRoutes.ownerId(owner). */
  readonly ownerId: number;
}

/**
 * Routes shared by many namespaces (host-gw's or flannel's route to every node's podCIDR).
 * Each entry names the node it leads to; that node's own table does not see it, as flannel does
 * not install a route to its own subnet. Storing them once keeps 5,000 nodes at 5,000 routes,
 * not 25 million.
 */
export class SharedRoutes {
  /** Every shared route by destination (written through set() only: `index` holds the same routes). */
  readonly table = new PrefixTable<SharedRoute>();
  /** The same routes for lookups (see SharedRouteIndex). */
  readonly index = new SharedRouteIndex();
  private readonly ids = new Map<string, number>();

  /**
   * A number per owner name: a table tells its own entries from others' by comparing numbers. Compared as names,
   * every lookup read the entry's owner string (a cold object of its own at 5,000 nodes) and its characters, as
   * node names differ only near their end.
   */
  ownerId(owner: string): number {
    let id = this.ids.get(owner);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(owner, id);
    }
    return id;
  }

  /** Sets the shared route to `route.dst`, leading to `owner`. */
  set(owner: string, route: Route): void {
    const ownerId = this.ownerId(owner);
    this.table.set(route.dst, { route, owner, ownerId });
    this.index.set(route.dst.network | 0, route.dst.prefix, ownerId, route);
  }
}

/** A routing table (`ip route show table main`), optionally layered over shared routes. */
export class RouteTable {
  private readonly own = new PrefixTable<Route>();
  /**
   * own.flatRoutes, taken after every write to own (all go through add and delete): a lookup reads the few own routes
   * of a pod or a node straight from here, without loading the PrefixTable object, one more cold object a lookup.
   */
  private ownFlat: FlatRoutes<Route> | undefined;
  /** The shared routes' table and index and this table's owner id in them, as fields: no wrapper object to load on a lookup. */
  private readonly shared: PrefixTable<SharedRoute> | undefined;
  private readonly sharedIndex: SharedRouteIndex | undefined;
  private readonly selfId: number;

  constructor(
    readonly name: string,
    shared?: { readonly routes: SharedRoutes; readonly self: string },
  ) {
    this.shared = shared?.routes.table;
    this.sharedIndex = shared?.routes.index;
    this.selfId = shared === undefined ? -1 : shared.routes.ownerId(shared.self);
    this.ownFlat = this.own.flatRoutes;
  }

  add(route: Route): void {
    this.own.set(route.dst, route);
    this.ownFlat = this.own.flatRoutes;
  }

  delete(dst: Cidr4): boolean {
    const deleted = this.own.delete(dst);
    this.ownFlat = this.own.flatRoutes;
    return deleted;
  }

  get(dst: Cidr4): Route | undefined {
    return this.own.getExact(dst) ?? this.sharedAt(dst.prefix, dst.network);
  }

  /**
   * The longest prefix holding `ip`; at equal lengths an own route shadows a shared one, and the shared routes to
   * this table's own node are not seen. The own routes are matched once (a node holds a handful), then only shared
   * lengths longer than that match are probed: walking the merged lengths, own then shared at each, scanned the own
   * routes again at every length.
   */
  lookup(ip: Ip4): Route | undefined {
    const f = this.ownFlat;
    const index = this.sharedIndex;
    if (index === undefined) return f === undefined ? this.own.lookup(ip) : flatLookup(f, ip);
    if (f === undefined) {
      const len = this.own.matchLength(ip);
      return index.longest(ip, this.selfId, len) ?? (len < 0 ? undefined : this.own.getAt(len, ip));
    }
    const i = flatMatch(f, ip);
    if (i < 0) return index.longest(ip, this.selfId, -1);
    return index.longest(ip, this.selfId, flatLength(f, i)) ?? (f[i + 2] as Route);
  }

  /** Every route visible in this table, longest prefix first, own routes shadowing shared ones. */
  *routes(): IterableIterator<Route> {
    for (const [, r] of this.own.entries()) yield r;
    if (this.shared === undefined) return;
    for (const [cidr, e] of this.shared.entries()) {
      if (e.ownerId !== this.selfId && this.own.getExact(cidr) === undefined) yield e.route;
    }
  }

  get size(): number {
    return this.own.size + (this.shared?.size ?? 0);
  }

  private sharedAt(len: number, ip: number): Route | undefined {
    if (this.shared === undefined) return undefined;
    const e = this.shared.getAt(len, ip);
    return e !== undefined && e.ownerId !== this.selfId ? e.route : undefined;
  }
}
