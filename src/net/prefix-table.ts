import { Cidr4, prefixMask } from '../addr/index.js';

/** Up to this many routes, a table is also kept flat (see PrefixTable.flat). */
const SMALL = 8;

/**
 * Longest-prefix match over IPv4: one hash map per prefix length, probed from the longest
 * length present downwards. Tables hold a handful of distinct lengths (/32, /24, /16, /0), so a
 * lookup is a few map probes whatever the number of routes (5,000 nodes' podCIDRs included).
 */
export class PrefixTable<T> {
  /**
   * Prefix lengths present, longest first, and one map per length at the same index. Parallel short arrays, not an
   * array indexed by length: a pod's table holds a /24 and a /0, and a sparse 25-slot array per namespace adds up
   * over 150,000 namespaces.
   */
  private lengths: number[] = [];
  /**
   * Keyed by the network as a signed 32-bit integer (`network | 0`): from 128.0.0.0 up an unsigned address is not a
   * small integer, and a Map keyed by heap numbers hashes a boxed double on every probe of every route lookup.
   */
  private maps: Map<number, T>[] = [];
  private _version = 0;
  private _size = 0;
  /**
   * While the table holds at most SMALL routes, the same routes flat in one array, longest prefix first, as
   * (network | 0, mask | 0, value) triples. A pod's table holds two; probing it through the maps loads four arrays
   * and two Maps, each cold in memory when a trace picks a random pod of a large cluster, where this loads one.
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
    for (let i = 0; i < ls.length; i++) if (ls[i] === len) return this.maps[i];
    return undefined;
  }

  set(cidr: Cidr4, value: T): void {
    let m = this.mapAt(cidr.prefix);
    if (m === undefined) {
      m = new Map();
      let i = 0;
      while (i < this.lengths.length && (this.lengths[i] ?? 0) > cidr.prefix) i++;
      // New arrays: presentLengths() hands the old one out, and a reader may hold it.
      this.lengths = [...this.lengths.slice(0, i), cidr.prefix, ...this.lengths.slice(i)];
      this.maps = [...this.maps.slice(0, i), m, ...this.maps.slice(i)];
    }
    if (!m.has(cidr.network | 0)) this._size++;
    m.set(cidr.network | 0, value);
    this._version++;
    this.reflatten();
  }

  delete(cidr: Cidr4): boolean {
    const m = this.mapAt(cidr.prefix);
    if (m === undefined || !m.delete(cidr.network | 0)) return false;
    this._size--;
    this._version++;
    if (m.size === 0) {
      // The length goes with its last route: a pod namespace whose eth0 left (CNI DEL) keeps no empty map, and
      // lookups no longer probe it. New arrays, as in set(): a reader may hold the old ones.
      const i = this.maps.indexOf(m);
      this.lengths = this.lengths.filter((_, j) => j !== i);
      this.maps = this.maps.filter((_, j) => j !== i);
    }
    this.reflatten();
    return true;
  }

  /** Rewrites `flat` from the maps after a change (see flat). */
  private reflatten(): void {
    if (this._size > SMALL) {
      this.flat = undefined;
      return;
    }
    const f: (number | T)[] = [];
    for (let i = 0; i < this.lengths.length; i++) {
      const mask = prefixMask(this.lengths[i] ?? 0) | 0;
      for (const [net, v] of this.maps[i] ?? []) f.push(net, mask, v);
    }
    this.flat = f;
  }

  getExact(cidr: Cidr4): T | undefined {
    return this.mapAt(cidr.prefix)?.get(cidr.network | 0);
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

  lookup(ip: number): T | undefined {
    const f = this.flat;
    if (f !== undefined) {
      // Longest prefix first: the first match is the longest.
      for (let i = 0; i < f.length; i += 3) if ((ip & (f[i + 1] as number)) === f[i]) return f[i + 2] as T;
      return undefined;
    }
    const ls = this.lengths;
    for (let i = 0; i < ls.length; i++) {
      const len = ls[i] ?? 0;
      const v = this.maps[i]?.get(ip & prefixMask(len));
      if (v !== undefined) return v;
    }
    return undefined;
  }

  *entries(): IterableIterator<[Cidr4, T]> {
    for (let i = 0; i < this.lengths.length; i++) {
      const len = this.lengths[i] ?? 0;
      const m = this.maps[i];
      if (m === undefined) continue;
      for (const [net, v] of m) yield [new Cidr4((net >>> 0) as Cidr4['network'], len), v];
    }
  }
}
