import { ConntrackTable } from './conntrack.js';

/** `-m recent` lists: list name → source (or destination) address → last-seen time in ms. */
export type RecentLists = ReadonlyMap<string, ReadonlyMap<number, number>>;

/**
 * One network namespace's netfilter state on one trace path. Immutable: updates return a new
 * value, so forked paths (statistic random, several endpoints) never see each other's effects.
 */
export class NfState {
  static readonly EMPTY = new NfState(ConntrackTable.EMPTY, new Map(), new Map(), 1);

  declare readonly conntrack: ConntrackTable;
  declare readonly recent: RecentLists;
  /** `statistic --mode nth` counters by match id (xt_statistic's per-rule `master->count`). */
  declare readonly nth: ReadonlyMap<number, number>;
  declare readonly nextCtId: number;

  // Declared fields, assigned here (see ConntrackTable's note in conntrack.ts).
  constructor(conntrack: ConntrackTable, recent: RecentLists, nth: ReadonlyMap<number, number>, nextCtId: number) {
    this.conntrack = conntrack;
    this.recent = recent;
    this.nth = nth;
    this.nextCtId = nextCtId;
  }

  withConntrack(conntrack: ConntrackTable, nextCtId = this.nextCtId): NfState {
    return new NfState(conntrack, this.recent, this.nth, nextCtId);
  }

  withRecent(recent: RecentLists): NfState {
    return new NfState(this.conntrack, recent, this.nth, this.nextCtId);
  }

  withNth(id: number, count: number): NfState {
    const nth = new Map(this.nth);
    nth.set(id, count);
    return new NfState(this.conntrack, this.recent, nth, this.nextCtId);
  }
}
