const TWO_32 = 4294967296;

/**
 * Values by a non-negative integer key below 2^53 (a numeric key of several packet fields: nftables' vmap keys,
 * ipset members, IPVS services) in an open-addressing table of typed arrays: a lookup reads one slot's adjacent
 * integers, then the value. A Map keyed by numbers above 2^31 (heap numbers: an address with a port is ~50 bits)
 * hashes a boxed key and follows a bucket chain, several cache misses per packet at 10,000 Services.
 */
export class IntKeyMap<V> {
  private readonly mask: number;
  /** Per slot, 4 integers: the key's high and low 32 bits, the value's index + 1 (0: an empty slot), unused. */
  private readonly slots: Int32Array;
  private readonly values: V[] = [];

  /** From entries with distinct keys (a Map's, a Set's), each a non-negative integer below 2^53. */
  constructor(entries: Iterable<readonly [number, V]>, size: number) {
    let cap = 8;
    while (cap < size * 2) cap *= 2;
    this.mask = cap - 1;
    this.slots = new Int32Array(cap * 4);
    for (const [k, v] of entries) {
      const hi = Math.floor(k / TWO_32) | 0;
      const lo = (k % TWO_32) | 0;
      let h = slotOf(hi, lo) & this.mask;
      while ((this.slots[h * 4 + 2] ?? 0) !== 0) h = (h + 1) & this.mask;
      this.values.push(v);
      this.slots[h * 4] = hi;
      this.slots[h * 4 + 1] = lo;
      this.slots[h * 4 + 2] = this.values.length;
    }
  }

  /** Whether key `k` is present (false for any negative key), read from the slots alone. */
  has(k: number): boolean {
    if (k < 0) return false;
    const hi = Math.floor(k / TWO_32) | 0;
    const lo = (k % TWO_32) | 0;
    const slots = this.slots;
    for (let h = slotOf(hi, lo) & this.mask; ; h = (h + 1) & this.mask) {
      if ((slots[h * 4 + 2] ?? 0) === 0) return false;
      if (slots[h * 4 + 1] === lo && slots[h * 4] === hi) return true;
    }
  }

  /** The value under key `k` (undefined for none, and for any negative key). */
  get(k: number): V | undefined {
    if (k < 0) return undefined;
    const hi = Math.floor(k / TWO_32) | 0;
    const lo = (k % TWO_32) | 0;
    const slots = this.slots;
    for (let h = slotOf(hi, lo) & this.mask; ; h = (h + 1) & this.mask) {
      const v = slots[h * 4 + 2] ?? 0;
      if (v === 0) return undefined;
      if (slots[h * 4 + 1] === lo && slots[h * 4] === hi) return this.values[v - 1];
    }
  }
}

function slotOf(hi: number, lo: number): number {
  const h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  return h ^ (h >>> 15);
}
