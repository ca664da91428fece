import { Cidr4, prefixMask } from '../addr/index.js';

/** Up to this many routes, a table is also kept flat (see PrefixTable.flat). */
const SMALL = 8;

/** A small table's routes as (network | 0, mask | 0, value) triples, longest prefix first (see PrefixTable.flat). */
export type FlatRoutes<T> = readonly (number | T)[];

/** The value of the longest route in `f` holding `ip`. */
export function flatLookup<T>(f: FlatRoutes<T>, ip: number): T | undefined {
  // Longest prefix first: the first match is the longest.
  for (let i = 0; i < f.length; i += 3) if ((ip & (f[i + 1] as number)) === f[i]) return f[i + 2] as T;
  return undefined;
}

/** Where in `f` the longest route holding `ip` starts, or -1 when none does. */
export function flatMatch<T>(f: FlatRoutes<T>, ip: number): number {
  for (let i = 0; i < f.length; i += 3) if ((ip & (f[i + 1] as number)) === f[i]) return i;
  return -1;
}

/** The prefix length of the route at `i` in `f`. */
export function flatLength<T>(f: FlatRoutes<T>, i: number): number {
  return Math.clz32(~(f[i + 1] as number));
}

/**
 * Longest-prefix match over IPv4: one hash map per prefix length, probed from the longest
 * length present downwards. Tables hold a handful of distinct lengths (/32, /24, /16, /0), so a
 * lookup is a few map probes whatever the number of routes (5,000 nodes' podCIDRs included).
 */
export class PrefixTable<T> {
  /**
   * Prefix lengths present, longest first. Built exactly sized (slice/concat, not spread or push, which leave room
   * for 17 entries): every namespace of a 150,000-pod cluster keeps one.
   */
  private lengths: number[] = [];
  /**
   * Past SMALL routes, one map per length at the same index as `lengths`; undefined while the table is small (`flat`
   * holds the routes then). Keyed by the network as a signed 32-bit integer (`network | 0`): from 128.0.0.0 up an
   * unsigned address is not a small integer, and a Map keyed by heap numbers hashes a boxed double on every probe of
   * every route lookup. A pod's table holds two routes: two Maps and their array per namespace were most of its weight.
   */
  private maps: Map<number, T>[] | undefined = undefined;
  private _version = 0;
  private _size = 0;
  /**
   * While the table holds at most SMALL routes, the routes themselves, longest prefix first and in insertion order
   * within a length (the order the maps would keep), as (network | 0, mask | 0, value) triples, exactly sized. A
   * random trace finds a pod's table cold in memory: probing this loads one array where the maps loaded four arrays
   * and two Maps.
   */
  private flat: (number | T)[] | undefined = [];

  get version(): number {
    return this._version;
  }

  get size(): number {
    return this._size;
  }

  private mapAt(len: number): Map<number, T> | undefined {
    const ls = this.lengths;
    for (let i = 0; i < ls.length; i++) if (ls[i] === len) return this.maps?.[i];
    return undefined;
  }

  /** Index of the (net, mask) triple in the flat form, or -1. */
  private flatIndex(f: readonly (number | T)[], net: number, mask: number): number {
    for (let i = 0; i < f.length; i += 3) if (f[i] === net && f[i + 1] === mask) return i;
    return -1;
  }

  /** `lengths` with `len` added in its place (longest first), as a new exactly sized array. */
  private withLength(len: number): number[] {
    let i = 0;
    while (i < this.lengths.length && (this.lengths[i] ?? 0) > len) i++;
    // New arrays: presentLengths() hands the old one out, and a reader may hold it.
    return this.lengths.slice(0, i).concat([len], this.lengths.slice(i));
  }

  set(cidr: Cidr4, value: T): void {
    const net = cidr.network | 0;
    const f = this.flat;
    if (f !== undefined) {
      const mask = prefixMask(cidr.prefix) | 0;
      const at = this.flatIndex(f, net, mask);
      if (at >= 0) {
        f[at + 2] = value;
        this._version++;
        return;
      }
      if (this._size < SMALL) {
        // After every route as long or longer (unsigned masks compare as prefix lengths): the maps' order.
        let i = 0;
        while (i < f.length && (f[i + 1] as number) >>> 0 >= mask >>> 0) i += 3;
        if (!this.lengths.includes(cidr.prefix)) this.lengths = this.withLength(cidr.prefix);
        this.flat = f.slice(0, i).concat([net, mask, value], f.slice(i));
        this._size++;
        this._version++;
        return;
      }
      this.unflatten();
    }
    let m = this.mapAt(cidr.prefix);
    if (m === undefined) {
      m = new Map();
      const maps = this.maps ?? [];
      let i = 0;
      while (i < this.lengths.length && (this.lengths[i] ?? 0) > cidr.prefix) i++;
      this.lengths = this.withLength(cidr.prefix);
      this.maps = maps.slice(0, i).concat([m], maps.slice(i));
    }
    if (!m.has(net)) this._size++;
    m.set(net, value);
    this._version++;
  }

  delete(cidr: Cidr4): boolean {
    const net = cidr.network | 0;
    const f = this.flat;
    if (f !== undefined) {
      const mask = prefixMask(cidr.prefix) | 0;
      const at = this.flatIndex(f, net, mask);
      if (at < 0) return false;
      const rest = f.slice(0, at).concat(f.slice(at + 3));
      this.flat = rest;
      this._size--;
      this._version++;
      // The length goes with its last route: a pod namespace whose eth0 left (CNI DEL) keeps no empty length, and
      // lookups no longer probe it. A new array: a reader may hold the old one.
      if (!this.hasMask(rest, mask)) this.lengths = this.lengths.filter((l) => l !== cidr.prefix);
      return true;
    }
    const m = this.mapAt(cidr.prefix);
    if (m === undefined || !m.delete(net)) return false;
    this._size--;
    this._version++;
    if (m.size === 0) {
      // As above, for the maps (new arrays: a reader may hold the old ones).
      const i = (this.maps ?? []).indexOf(m);
      this.lengths = this.lengths.filter((_, j) => j !== i);
      this.maps = (this.maps ?? []).filter((_, j) => j !== i);
    }
    if (this._size <= SMALL) this.reflatten();
    return true;
  }

  private hasMask(f: readonly (number | T)[], mask: number): boolean {
    for (let i = 1; i < f.length; i += 3) if (f[i] === mask) return true;
    return false;
  }

  /** Small again: the maps' routes go flat, in the maps' order, and the maps go. */
  private reflatten(): void {
    const f: (number | T)[] = new Array<number | T>(this._size * 3);
    let k = 0;
    const maps = this.maps ?? [];
    for (let i = 0; i < this.lengths.length; i++) {
      const mask = prefixMask(this.lengths[i] ?? 0) | 0;
      for (const [net, v] of maps[i] ?? []) {
        f[k++] = net;
        f[k++] = mask;
        f[k++] = v;
      }
    }
    this.flat = f;
    this.maps = undefined;
  }

  /** Past SMALL routes: the flat routes go into one map per length (in their order, which is the maps' order). */
  private unflatten(): void {
    const f = this.flat ?? [];
    const maps = this.lengths.map(() => new Map<number, T>());
    for (let i = 0; i < f.length; i += 3) {
      const len = Math.clz32(~(f[i + 1] as number));
      maps[this.lengths.indexOf(len)]?.set(f[i] as number, f[i + 2] as T);
    }
    this.maps = maps;
    this.flat = undefined;
  }

  getExact(cidr: Cidr4): T | undefined {
    const f = this.flat;
    if (f === undefined) return this.mapAt(cidr.prefix)?.get(cidr.network | 0);
    const at = this.flatIndex(f, cidr.network | 0, prefixMask(cidr.prefix) | 0);
    return at < 0 ? undefined : (f[at + 2] as T);
  }

  /** Prefix lengths present, longest first. */
  presentLengths(): readonly number[] {
    return this.lengths;
  }

  getAt(len: number, ip: number): T | undefined {
    const f = this.flat;
    if (f === undefined) return this.mapAt(len)?.get(ip & prefixMask(len));
    const mask = prefixMask(len) | 0;
    const net = ip & mask;
    for (let i = 0; i < f.length; i += 3) if (f[i] === net && f[i + 1] === mask) return f[i + 2] as T;
    return undefined;
  }

  /**
   * The routes in their flat form while the table is small, else undefined: the same array until the next write
   * that adds or removes a route, for a holder that looks up without loading this object (see RouteTable).
   */
  get flatRoutes(): FlatRoutes<T> | undefined {
    return this.flat;
  }

  /** The prefix length of the longest route holding `ip`, or -1 when none does. */
  matchLength(ip: number): number {
    const f = this.flat;
    if (f !== undefined) {
      const i = flatMatch(f, ip);
      return i < 0 ? -1 : flatLength(f, i);
    }
    const ls = this.lengths;
    const maps = this.maps ?? [];
    for (let i = 0; i < ls.length; i++) {
      const len = ls[i] ?? 0;
      if (maps[i]?.has(ip & prefixMask(len)) === true) return len;
    }
    return -1;
  }

  lookup(ip: number): T | undefined {
    const f = this.flat;
    if (f !== undefined) return flatLookup(f, ip);
    const ls = this.lengths;
    const maps = this.maps ?? [];
    for (let i = 0; i < ls.length; i++) {
      const len = ls[i] ?? 0;
      const v = maps[i]?.get(ip & prefixMask(len));
      if (v !== undefined) return v;
    }
    return undefined;
  }

  *entries(): IterableIterator<[Cidr4, T]> {
    const f = this.flat;
    if (f !== undefined) {
      for (let i = 0; i < f.length; i += 3) {
        yield [new Cidr4(((f[i] as number) >>> 0) as Cidr4['network'], Math.clz32(~(f[i + 1] as number))), f[i + 2] as T];
      }
      return;
    }
    for (let i = 0; i < this.lengths.length; i++) {
      const len = this.lengths[i] ?? 0;
      const m = this.maps?.[i];
      if (m === undefined) continue;
      for (const [net, v] of m) yield [new Cidr4((net >>> 0) as Cidr4['network'], len), v];
    }
  }
}
