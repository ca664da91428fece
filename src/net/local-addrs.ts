/** Fibonacci hashing's multiplier (2^32 / golden ratio): spreads a run of consecutive addresses over the slots. */
const MUL = 0x9e3779b1 | 0;

/**
 * A namespace's local addresses (address as a signed 32-bit integer → device) for the packet path, when there are
 * many (10,000 ClusterIPs on kube-ipvs0): a one-hash bit filter, then an open-addressing table holding each
 * address with its device's index. Every hop asks whether a packet is local; the filter (at least 8 bits an address,
 * a few KB that every ask keeps warm) answers most addresses that are not local alone, and a local one costs one
 * probe of adjacent integers where a Map's lookup read a bucket, then an entry elsewhere in a large, cold table.
 * Immutable: the namespace makes a new one after its addresses change.
 */
export class LocalAddrIndex {
  private readonly filter: Int32Array;
  private readonly filterShift: number;
  /** Per slot: the address, then its device's index in `devs` + 1 (0: an empty slot). */
  private readonly slots: Int32Array;
  private readonly slotShift: number;
  private readonly mask: number;
  private readonly devs: readonly string[];

  constructor(addrs: ReadonlyMap<number, string>) {
    let fbits = 5;
    while (1 << fbits < addrs.size * 8) fbits++;
    this.filter = new Int32Array(1 << (fbits - 5));
    this.filterShift = 32 - fbits;
    let sbits = 3;
    while (1 << sbits < addrs.size * 2) sbits++;
    this.slots = new Int32Array(2 << sbits);
    this.slotShift = 32 - sbits;
    this.mask = (1 << sbits) - 1;
    const devs: string[] = [];
    for (const [k, dev] of addrs) {
      const h = Math.imul(k, MUL) >>> this.filterShift;
      this.filter[h >>> 5] = (this.filter[h >>> 5] ?? 0) | (1 << (h & 31));
      let d = devs.indexOf(dev);
      if (d < 0) d = devs.push(dev) - 1;
      let s = Math.imul(k, MUL) >>> this.slotShift;
      while ((this.slots[s * 2 + 1] ?? 0) !== 0) s = (s + 1) & this.mask;
      this.slots[s * 2] = k;
      this.slots[s * 2 + 1] = d + 1;
    }
    this.devs = devs;
  }

  /** The device holding address `k` (`ip | 0`), or undefined when it is not local. */
  get(k: number): string | undefined {
    const h = Math.imul(k, MUL) >>> this.filterShift;
    if (((this.filter[h >>> 5] ?? 0) & (1 << (h & 31))) === 0) return undefined;
    const slots = this.slots;
    for (let s = Math.imul(k, MUL) >>> this.slotShift; ; s = (s + 1) & this.mask) {
      const d = slots[s * 2 + 1] ?? 0;
      if (d === 0) return undefined;
      if (slots[s * 2] === k) return this.devs[d - 1];
    }
  }
}
