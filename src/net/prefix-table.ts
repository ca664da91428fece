import { Cidr4, prefixMask } from '../addr/index.js';

/**
 * Longest-prefix match over IPv4: one hash map per prefix length, probed from the longest
 * length present downwards. Tables hold a handful of distinct lengths (/32, /24, /16, /0), so a
 * lookup is a few map probes whatever the number of routes (5,000 nodes' podCIDRs included).
 */
export class PrefixTable<T> {
  private readonly byLen: Map<number, T>[] = [];
  private lengths: number[] = [];
  private _version = 0;
  private _size = 0;

  get version(): number {
    return this._version;
  }

  get size(): number {
    return this._size;
  }

  set(cidr: Cidr4, value: T): void {
    let m = this.byLen[cidr.prefix];
    if (m === undefined) {
      m = new Map();
      this.byLen[cidr.prefix] = m;
      this.lengths = this.byLen.map((x, i) => (x === undefined ? -1 : i)).filter((i) => i >= 0).reverse();
    }
    if (!m.has(cidr.network)) this._size++;
    m.set(cidr.network, value);
    this._version++;
  }

  delete(cidr: Cidr4): boolean {
    const m = this.byLen[cidr.prefix];
    if (m === undefined || !m.delete(cidr.network)) return false;
    this._size--;
    this._version++;
    return true;
  }

  getExact(cidr: Cidr4): T | undefined {
    return this.byLen[cidr.prefix]?.get(cidr.network);
  }

  /** Prefix lengths present, longest first. */
  presentLengths(): readonly number[] {
    return this.lengths;
  }

  getAt(len: number, ip: number): T | undefined {
    return this.byLen[len]?.get((ip & prefixMask(len)) >>> 0);
  }

  lookup(ip: number): T | undefined {
    for (const len of this.lengths) {
      const v = this.byLen[len]?.get((ip & prefixMask(len)) >>> 0);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  *entries(): IterableIterator<[Cidr4, T]> {
    for (const len of this.lengths) {
      const m = this.byLen[len];
      if (m === undefined) continue;
      for (const [net, v] of m) yield [new Cidr4(net as Cidr4['network'], len), v];
    }
  }
}
