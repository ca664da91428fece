import type { Cidr4, Ip4 } from '../addr/index.js';
import { PrefixTable } from './prefix-table.js';
import type { Route } from './route.js';

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
  readonly table = new PrefixTable<SharedRoute>();
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
    this.table.set(route.dst, { route, owner, ownerId: this.ownerId(owner) });
  }
}

/**
 * Merged prefix-length lists by content: namespaces over the same shared routes with own routes of the same lengths
 * (every node of a cluster) use one array, in cache for all of them, instead of a copy each.
 */
const MERGED_LENGTHS = new Map<string, readonly number[]>();

function internLengths(lengths: readonly number[]): readonly number[] {
  const key = lengths.join(',');
  const known = MERGED_LENGTHS.get(key);
  if (known !== undefined) return known;
  MERGED_LENGTHS.set(key, lengths);
  return lengths;
}

/** A routing table (`ip route show table main`), optionally layered over shared routes. */
export class RouteTable {
  private readonly own = new PrefixTable<Route>();
  private mergedLengths: readonly number[] = [];
  private mergedFor = -1;
  private sharedFor = -1;
  /** The shared routes' table and this table's owner id in it, as fields: no wrapper object to load on a lookup. */
  private readonly shared: PrefixTable<SharedRoute> | undefined;
  private readonly selfId: number;

  constructor(
    readonly name: string,
    shared?: { readonly routes: SharedRoutes; readonly self: string },
  ) {
    this.shared = shared?.routes.table;
    this.selfId = shared === undefined ? -1 : shared.routes.ownerId(shared.self);
  }

  add(route: Route): void {
    this.own.set(route.dst, route);
  }

  delete(dst: Cidr4): boolean {
    return this.own.delete(dst);
  }

  get(dst: Cidr4): Route | undefined {
    return this.own.getExact(dst) ?? this.sharedAt(dst.prefix, dst.network);
  }

  lookup(ip: Ip4): Route | undefined {
    if (this.shared === undefined) return this.own.lookup(ip);
    for (const len of this.lengths()) {
      const r = this.own.getAt(len, ip) ?? this.sharedAt(len, ip);
      if (r !== undefined) return r;
    }
    return undefined;
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

  private lengths(): readonly number[] {
    const sharedTable = this.shared;
    const sv = sharedTable?.version ?? 0;
    if (this.mergedFor !== this.own.version || this.sharedFor !== sv) {
      const set = new Set<number>([...this.own.presentLengths(), ...(sharedTable?.presentLengths() ?? [])]);
      this.mergedLengths = internLengths([...set].sort((a, b) => b - a));
      this.mergedFor = this.own.version;
      this.sharedFor = sv;
    }
    return this.mergedLengths;
  }
}
