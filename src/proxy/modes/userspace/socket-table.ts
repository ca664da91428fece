/**
 * The proxy sockets' numbers as a first packet reads them: (protocol, proxy port) → the socket's
 * number and its endpoints' addresses and ports, in two typed arrays. At 10,000 Services each
 * object a packet reaches is a cache miss: a Map lookup, the socket's prepared object and its two
 * endpoint arrays were some six; a slot here and the socket's run of integers are two.
 */
export class SocketTable {
  private readonly mask: number;
  /** Per slot, 2 integers: the key + 1 (0: an empty slot), the offset of the socket's run in `data`. */
  private readonly slots: Int32Array;
  /**
   * Per socket, a run: its number (its position in the list given), the endpoint count n, or -1 when the
   * packet path must read the socket itself (no endpoints, ClientIP affinity), then n (address | 0, port) pairs.
   */
  readonly data: Int32Array;

  /**
   * From (key, socket) entries with distinct non-negative keys below 2^31; `endpoints(i)` is the i-th
   * socket's flat (address, port) list, or undefined to have the packet path read the socket.
   */
  constructor(keys: readonly number[], endpoints: (i: number) => readonly number[] | undefined) {
    let cap = 8;
    while (cap < keys.length * 2) cap *= 2;
    this.mask = cap - 1;
    this.slots = new Int32Array(cap * 2);
    const runs: number[] = [];
    keys.forEach((k, i) => {
      let h = slotOf(k) & this.mask;
      while ((this.slots[h * 2] ?? 0) !== 0) h = (h + 1) & this.mask;
      this.slots[h * 2] = k + 1;
      this.slots[h * 2 + 1] = runs.length;
      const eps = endpoints(i);
      runs.push(i, eps === undefined ? -1 : eps.length / 2);
      if (eps !== undefined) for (const x of eps) runs.push(x | 0);
    });
    this.data = Int32Array.from(runs);
  }

  /** The offset in `data` of the socket under key `k`, or -1. */
  find(k: number): number {
    const slots = this.slots;
    const want = k + 1;
    for (let h = slotOf(k) & this.mask; ; h = (h + 1) & this.mask) {
      const x = slots[h * 2] ?? 0;
      if (x === 0) return -1;
      if (x === want) return slots[h * 2 + 1] ?? -1;
    }
  }
}

function slotOf(k: number): number {
  const h = Math.imul(k, 0x9e3779b1);
  return h ^ (h >>> 15);
}
