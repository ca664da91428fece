import type { Ip4, Mac } from '../addr/index.js';

export type NeighState = 'PERMANENT' | 'REACHABLE' | 'STALE';

export interface NeighEntry {
  readonly ip: Ip4;
  readonly dev: string;
  readonly mac: Mac;
  readonly state: NeighState;
}

/** Neighbour entries shared by many namespaces (flannel's per-node VTEP entries), owner excluded. */
export class SharedNeigh {
  readonly byIp = new Map<Ip4, { readonly entry: NeighEntry; readonly owner: string }>();
}

/**
 * The ARP cache (`ip neigh`). Static entries are what flannel and CNI plugins install; dynamic
 * ones are filled by the datapath's ARP resolution.
 */
export class NeighTable {
  /** Made on the first entry: most pod namespaces never hold one, and a 150,000-pod cluster has as many tables. */
  private own: Map<string, NeighEntry> | undefined;

  constructor(private readonly shared?: { readonly neigh: SharedNeigh; readonly self: string }) {}

  set(e: NeighEntry): void {
    (this.own ??= new Map()).set(key(e.ip, e.dev), e);
  }

  lookup(ip: Ip4, dev: string): NeighEntry | undefined {
    const o = this.own?.get(key(ip, dev));
    if (o !== undefined) return o;
    const s = this.shared?.neigh.byIp.get(ip);
    return s !== undefined && s.owner !== this.shared?.self && s.entry.dev === dev ? s.entry : undefined;
  }

  *entries(): IterableIterator<NeighEntry> {
    if (this.own !== undefined) yield* this.own.values();
    if (this.shared === undefined) return;
    for (const s of this.shared.neigh.byIp.values()) {
      if (s.owner !== this.shared.self && this.own?.has(key(s.entry.ip, s.entry.dev)) !== true) yield s.entry;
    }
  }
}

function key(ip: Ip4, dev: string): string {
  return `${ip}@${dev}`;
}
