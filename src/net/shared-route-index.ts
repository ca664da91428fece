import { prefixMask } from '../addr/index.js';
import type { Route } from './route.js';

/** Fibonacci hashing's multiplier (2^32 / golden ratio): spreads consecutive networks over the slots. */
const MUL = 0x9e3779b1 | 0;
/** Slots per table start at this many and double when more than half are used. */
const MIN_BITS = 4;

/** One prefix length's routes: open addressing, each slot three adjacent elements. */
interface LengthTable {
  readonly len: number;
  /** prefixMask(len) as a signed 32-bit integer. */
  readonly mask: number;
  /** Per slot: the network (`network | 0`), its owner's id, the route (undefined: an empty slot). */
  slots: (number | Route | undefined)[];
  bits: number;
  used: number;
}

/**
 * The shared routes (SharedRoutes) for longest-prefix lookups: per prefix length present, one array holding each
 * route beside its network and its owner's id. A node's lookup of a remote pod finds the route in one probe of
 * adjacent elements; a Map per length read a bucket, then an entry elsewhere in its table, then the entry's
 * {route, owner} object, each cold in a 5,000-node cluster, before the route itself.
 */
export class SharedRouteIndex {
  /** Longest first. */
  private tables: LengthTable[] = [];

  /** Sets the route to network `net` (`network | 0`) of prefix length `len`, owned by `ownerId`. */
  set(net: number, len: number, ownerId: number, route: Route): void {
    let t = this.tables.find((x) => x.len === len);
    if (t === undefined) {
      t = { len, mask: prefixMask(len) | 0, slots: new Array<undefined>(3 << MIN_BITS).fill(undefined), bits: MIN_BITS, used: 0 };
      this.tables = this.tables.concat([t]).sort((a, b) => b.len - a.len);
    }
    if (this.put(t, net, ownerId, route)) t.used++;
    if (t.used * 2 > 1 << t.bits) this.grow(t);
  }

  /**
   * The route of the longest prefix longer than `longerThan` that holds `ip`, not owned by `exceptOwner`, as
   * RouteTable.lookup walks the lengths: a length whose matching route is excepted goes on to shorter ones.
   */
  longest(ip: number, exceptOwner: number, longerThan: number): Route | undefined {
    const tables = this.tables;
    for (let i = 0; i < tables.length; i++) {
      const t = tables[i] as LengthTable;
      if (t.len <= longerThan) return undefined;
      const key = ip & t.mask;
      const slots = t.slots;
      const m = (1 << t.bits) - 1;
      for (let s = Math.imul(key, MUL) >>> (32 - t.bits); ; s = (s + 1) & m) {
        const r = slots[s * 3 + 2];
        if (r === undefined) break;
        if (slots[s * 3] === key) {
          if (slots[s * 3 + 1] !== exceptOwner) return r as Route;
          break;
        }
      }
    }
    return undefined;
  }

  /** Puts the triple in its slot; true when the slot was empty (a new network), false when it replaced one. */
  private put(t: LengthTable, net: number, ownerId: number, route: Route): boolean {
    const m = (1 << t.bits) - 1;
    for (let s = Math.imul(net, MUL) >>> (32 - t.bits); ; s = (s + 1) & m) {
      const at = s * 3;
      const empty = t.slots[at + 2] === undefined;
      if (empty || t.slots[at] === net) {
        t.slots[at] = net;
        t.slots[at + 1] = ownerId;
        t.slots[at + 2] = route;
        return empty;
      }
    }
  }

  private grow(t: LengthTable): void {
    const old = t.slots;
    t.bits++;
    t.slots = new Array<undefined>(3 << t.bits).fill(undefined);
    for (let at = 0; at < old.length; at += 3) {
      const r = old[at + 2];
      if (r !== undefined) this.put(t, old[at] as number, old[at + 1] as number, r as Route);
    }
  }
}
