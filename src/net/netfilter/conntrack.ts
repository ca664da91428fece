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

function sameTuple(a: CtTuple, b: CtTuple): boolean {
  return a.src === b.src && a.dst === b.dst && a.sport === b.sport && a.dport === b.dport && a.proto === b.proto;
}

/**
 * The conntrack table as an immutable value. Updates return a new table: one layer holding the
 * one entry put, over its parent (copy-on-write), so forked trace paths share history but never
 * mutations, and a put allocates nothing else. Lookups walk the layers comparing tuples as
 * numbers; after MAX_DEPTH layers they are folded into a base of Maps keyed by tuple text.
 */
export class ConntrackTable {
  /** The entry this layer sets (undefined for a base). */
  private declare readonly entry: CtEntry | undefined;
  private declare readonly parent: ConntrackTable | undefined;
  /** Base tables only. */
  private declare readonly byId: ReadonlyMap<number, CtEntry> | undefined;
  private declare readonly byTuple: ReadonlyMap<string, number> | undefined;
  private declare readonly depth: number;

  static readonly EMPTY = new ConntrackTable(undefined, undefined, new Map(), new Map(), 0);

/*
 * Fields are `declare`d and assigned in the constructor, not class fields: the build's ES2022 class fields run an
 * initializer defining each one before the constructor assigns it, and where V8 does not inline the constructor (the
 * nat hook's, at full inlining budget) each object of a trace paid for both.
 * (The same holds for the other objects a trace makes per hook: NfState, PathStateLayer, the tracer's Walk and hops.)
 */
  private constructor(entry: CtEntry | undefined, parent: ConntrackTable | undefined, byId: ReadonlyMap<number, CtEntry> | undefined, byTuple: ReadonlyMap<string, number> | undefined, depth: number) {
    this.entry = entry;
    this.parent = parent;
    this.byId = byId;
    this.byTuple = byTuple;
    this.depth = depth;
  }

  get(id: number): CtEntry | undefined {
    let t: ConntrackTable | undefined = this;
    for (; t !== undefined && t.entry !== undefined; t = t.parent) if (t.entry.id === id) return t.entry;
    return t?.byId?.get(id);
  }

  /** Finds the confirmed entry a packet with this tuple belongs to, and its direction. */
  lookup(tuple: CtTuple): { entry: CtEntry; reply: boolean } | undefined {
    let id: number | undefined;
    let t: ConntrackTable | undefined = this;
    for (; t !== undefined && t.entry !== undefined; t = t.parent) {
      const e = t.entry;
      if (e.confirmed && (sameTuple(e.orig, tuple) || sameTuple(e.reply, tuple))) {
        id = e.id;
        break;
      }
    }
    if (id === undefined) {
      if (t?.byTuple === undefined || t.byTuple.size === 0) return undefined;
      id = t.byTuple.get(tupleKey(tuple));
      if (id === undefined) return undefined;
    }
    const e = this.get(id);
    if (e === undefined || !e.confirmed) return undefined;
    // A stale key (the reply tuple changed when NAT was decided) must not match.
    if (sameTuple(e.orig, tuple)) return { entry: e, reply: false };
    if (sameTuple(e.reply, tuple)) return { entry: e, reply: true };
    return undefined;
  }

  /** Adds or replaces an entry (by id); confirmed entries become findable by both tuples. */
  put(e: CtEntry): ConntrackTable {
    // A newer version of the top layer's entry (a first packet's entry is put at every hook: conntrack, NAT,
    // confirmation) replaces that layer: the older version was shadowed by it anyway, and lookups stay one layer deep.
    const top = this.entry;
    if (top !== undefined && top.id === e.id && this.parent !== undefined) return new ConntrackTable(e, this.parent, undefined, undefined, this.depth);
    const next = new ConntrackTable(e, this, undefined, undefined, this.depth + 1);
    return next.depth > MAX_DEPTH ? next.flatten() : next;
  }

  /** All entries, newest version of each, by id. */
  entries(): CtEntry[] {
    const seen = new Map<number, CtEntry>();
    let t: ConntrackTable | undefined = this;
    for (; t !== undefined && t.entry !== undefined; t = t.parent) if (!seen.has(t.entry.id)) seen.set(t.entry.id, t.entry);
    if (t?.byId !== undefined) for (const [id, e] of t.byId) if (!seen.has(id)) seen.set(id, e);
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
    return new ConntrackTable(undefined, undefined, byId, byTuple, 0);
  }
}
