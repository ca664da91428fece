import type { Cidr4, Ip4 } from '../addr/index.js';
import { PrefixTable } from './prefix-table.js';
import type { Route } from './route.js';

/**
 * Routes shared by many namespaces (host-gw's or flannel's route to every node's podCIDR).
 * Each entry names the node it leads to; that node's own table does not see it, as flannel does
 * not install a route to its own subnet. Storing them once keeps 5,000 nodes at 5,000 routes,
 * not 25 million.
 */
export class SharedRoutes {
  readonly table = new PrefixTable<{ readonly route: Route; readonly owner: string }>();
}

/** A routing table (`ip route show table main`), optionally layered over shared routes. */
export class RouteTable {
  private readonly own = new PrefixTable<Route>();
  private mergedLengths: readonly number[] = [];
  private mergedFor = -1;
  private sharedFor = -1;

  constructor(
    readonly name: string,
    private readonly shared?: { readonly routes: SharedRoutes; readonly self: string },
  ) {}

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
    for (const [cidr, e] of this.shared.routes.table.entries()) {
      if (e.owner !== this.shared.self && this.own.getExact(cidr) === undefined) yield e.route;
    }
  }

  get size(): number {
    return this.own.size + (this.shared?.routes.table.size ?? 0);
  }

  private sharedAt(len: number, ip: number): Route | undefined {
    if (this.shared === undefined) return undefined;
    const e = this.shared.routes.table.getAt(len, ip);
    return e !== undefined && e.owner !== this.shared.self ? e.route : undefined;
  }

  private lengths(): readonly number[] {
    const sharedTable = this.shared?.routes.table;
    const sv = sharedTable?.version ?? 0;
    if (this.mergedFor !== this.own.version || this.sharedFor !== sv) {
      const set = new Set<number>([...this.own.presentLengths(), ...(sharedTable?.presentLengths() ?? [])]);
      this.mergedLengths = [...set].sort((a, b) => b - a);
      this.mergedFor = this.own.version;
      this.sharedFor = sv;
    }
    return this.mergedLengths;
  }
}
