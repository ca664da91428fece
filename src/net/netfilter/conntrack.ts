import type { Ip4, IpProto } from '../../addr/index.js';
import type { CtState } from '../hooks.js';
import { ip4ToString } from '../../addr/index.js';

/** One direction of a connection, as conntrack keys it (ICMP: sport = echo id, dport = 0). */
export interface CtTuple {
  readonly proto: IpProto;
  readonly src: Ip4;
  readonly sport: number;
  readonly dst: Ip4;
  readonly dport: number;
}

/**
 * A conntrack entry (nf_conn). `orig` is the tuple of the first packet as it arrived; `reply` is
 * the inverse of that packet after every NAT the connection got, so NAT is visible as
 * `orig != invert(reply)` exactly as `conntrack -L` shows it.
 */
export interface CtEntry {
  readonly id: number;
  readonly orig: CtTuple;
  readonly reply: CtTuple;
  /** Inserted into the table (nf_conntrack_confirm ran at the last hook); unconfirmed entries are path-local. */
  readonly confirmed: boolean;
  /** A reply-direction packet was seen (IPS_SEEN_REPLY): packets are ESTABLISHED from then on. */
  readonly seenReply: boolean;
  /** The NAT decision for destination (PREROUTING/OUTPUT) / source (INPUT/POSTROUTING) manipulation was taken. */
  readonly dstNatDone: boolean;
  readonly srcNatDone: boolean;
  readonly mark: number;
}

export function tupleKey(t: CtTuple): string {
  return `${t.proto} ${t.src}:${t.sport} ${t.dst}:${t.dport}`;
}

export function invertTuple(t: CtTuple): CtTuple {
  return { proto: t.proto, src: t.dst, sport: t.dport, dst: t.src, dport: t.sport };
}

export function tupleText(t: CtTuple): string {
  return `${t.proto} src=${ip4ToString(t.src)} dst=${ip4ToString(t.dst)} sport=${t.sport} dport=${t.dport}`;
}

/** Whether the connection was destination-NATed (IPS_DST_NAT): the reply does not come from the original destination. */
export function isDnat(e: CtEntry): boolean {
  return e.reply.src !== e.orig.dst || e.reply.sport !== e.orig.dport;
}

/** Whether the connection was source-NATed (IPS_SRC_NAT): the reply does not go back to the original source. */
export function isSnat(e: CtEntry): boolean {
  return e.reply.dst !== e.orig.src || e.reply.dport !== e.orig.sport;
}

/** `--ctstate` of a packet of this entry in the given direction (nf_conntrack ctinfo). */
export function ctStateOf(e: CtEntry, reply: boolean): CtState {
  return reply || e.seenReply ? 'ESTABLISHED' : 'NEW';
}

const MAX_DEPTH = 24;

/**
 * The conntrack table as an immutable value. Updates return a new table that layers a small map
 * over its parent (copy-on-write), so forked trace paths share history but never mutations;
 * layers are flattened once they get deep.
 */
export class ConntrackTable {
  static readonly EMPTY = new ConntrackTable(new Map(), new Map(), undefined, 0);

  private constructor(
    private readonly byId: ReadonlyMap<number, CtEntry>,
    private readonly byTuple: ReadonlyMap<string, number>,
    private readonly parent: ConntrackTable | undefined,
    private readonly depth: number,
  ) {}

  get(id: number): CtEntry | undefined {
    for (let t: ConntrackTable | undefined = this; t !== undefined; t = t.parent) {
      const e = t.byId.get(id);
      if (e !== undefined) return e;
    }
    return undefined;
  }

  /** Finds the confirmed entry a packet with this tuple belongs to, and its direction. */
  lookup(tuple: CtTuple): { entry: CtEntry; reply: boolean } | undefined {
    const key = tupleKey(tuple);
    let id: number | undefined;
    for (let t: ConntrackTable | undefined = this; t !== undefined && id === undefined; t = t.parent) id = t.byTuple.get(key);
    if (id === undefined) return undefined;
    const e = this.get(id);
    if (e === undefined || !e.confirmed) return undefined;
    // A stale key (the reply tuple changed when NAT was decided) must not match.
    if (tupleKey(e.orig) === key) return { entry: e, reply: false };
    if (tupleKey(e.reply) === key) return { entry: e, reply: true };
    return undefined;
  }

  /** Adds or replaces an entry (by id); confirmed entries become findable by both tuples. */
  put(e: CtEntry): ConntrackTable {
    const byId = new Map([[e.id, e]]);
    const byTuple = new Map<string, number>();
    if (e.confirmed) {
      byTuple.set(tupleKey(e.orig), e.id);
      byTuple.set(tupleKey(e.reply), e.id);
    }
    const next = new ConntrackTable(byId, byTuple, this, this.depth + 1);
    return next.depth > MAX_DEPTH ? next.flatten() : next;
  }

  /** All entries, newest version of each, by id. */
  entries(): CtEntry[] {
    const seen = new Map<number, CtEntry>();
    for (let t: ConntrackTable | undefined = this; t !== undefined; t = t.parent) {
      for (const [id, e] of t.byId) if (!seen.has(id)) seen.set(id, e);
    }
    return [...seen.values()].sort((a, b) => a.id - b.id);
  }

  private flatten(): ConntrackTable {
    const byId = new Map<number, CtEntry>();
    const byTuple = new Map<string, number>();
    for (const e of this.entries()) {
      byId.set(e.id, e);
      if (e.confirmed) {
        byTuple.set(tupleKey(e.orig), e.id);
        byTuple.set(tupleKey(e.reply), e.id);
      }
    }
    return new ConntrackTable(byId, byTuple, undefined, 0);
  }
}
