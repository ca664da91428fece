/** A sorted array of node ords with binary search: inserts and removals are one memmove. */
export class SortedOrds {
  readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.items[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(x: number): void {
    const i = this.lowerBound(x);
    if (this.items[i] !== x) this.items.splice(i, 0, x);
  }

  delete(x: number): void {
    const i = this.lowerBound(x);
    if (this.items[i] === x) this.items.splice(i, 1);
  }

  /** The smallest element greater than x, if any. */
  firstAfter(x: number): number | undefined {
    return this.items[this.lowerBound(x + 1)];
  }

  first(): number | undefined {
    return this.items[0];
  }
}
