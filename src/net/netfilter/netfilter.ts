import { type Clock, Fraction } from '../../lib/index.js';
import { flowKey, type Packet } from '../../packet/index.js';
import { type CtView, type Hook, type HookBranch, type HookHandler, type HookHop, type HostView, type PathState, type Skb, hookIndex } from '../hooks.js';
import { type CtEntry, type CtTuple, ctStateOf, invertTuple, isDnat, isSnat } from './conntrack.js';
import { Ipsets, ipsetRestore, ipsetSave } from './ipset/index.js';
import { emptyRuleset, restore } from './restore.js';
import { type SaveOptions, printIptablesSave } from './save-print.js';
import { NfState } from './state.js';
import type { Ruleset, TableName } from './types.js';
import { ACCEPT, type WalkResult, walkTableOf } from './walk.js';
import { PathStateLayer, type StateKey, stateKeyOf } from './path-state.js';
import { skbWith } from './skb.js';
import { SHARED_RULESETS } from './shared-rulesets.js';
import { NH_CONFIRM, NH_CONNTRACK, NH_NAT, type NetfilterHooks, type NetfilterStep, SharedStepHandler, SharedTableHandler, StepHandler, TableHandler } from './handler.js';

const NO_HOPS: readonly HookHop[] = Object.freeze([]);

/**
 * The clock of a netfilter given none: one object for all of them. A clock (and its closure) per namespace was read at
 * every table walk, at 5,000 nodes a cold object and a call that could not be inlined.
 */
const ZERO_CLOCK: Clock = { now: () => 0 };

/** `iptables-save` of a ruleset with default options, by ruleset (rulesets are immutable). */
const savedTexts = new WeakMap<Ruleset, string>();

/** idleBits by ruleset. */
const idleByRuleset = new WeakMap<Ruleset, readonly number[]>();

/** Kernel hook priorities (include/uapi/linux/netfilter_ipv4.h). */
export const NF_PRIORITY = {
  raw: -300,
  conntrack: -200,
  mangle: -150,
  natDst: -100,
  filter: 0,
  natSrc: 100,
  confirm: 2147483647,
} as const;

export interface NetfilterRegistration {
  readonly hook: Hook;
  readonly handler: HookHandler;
}

/** A namespace that can hold shared netfilter handlers (Netns): they find its netfilter in `netfilter`. */
export interface SharedNetfilterHost {
  netfilter: NetfilterHooks | undefined;
  registerHook(hook: Hook, handler: HookHandler): void;
}

/** Makes a table's handler at one hook. */
type TableFactory = (name: string, priority: number, hook: Hook, t: TableName) => HookHandler;
/** Makes a step's handler. */
type StepFactory = (name: string, priority: number, s: NetfilterStep) => HookHandler;

/** The handlers a netfilter registers, at the kernel's priorities, made by the factories (one list for both kinds). */
function layout(table: TableFactory, step: StepFactory): NetfilterRegistration[] {
  const out: NetfilterRegistration[] = [];
  const tables = (name: string, priority: number, hooks: readonly Hook[], t: TableName): void => {
    for (const hook of hooks) out.push({ hook, handler: table(name, priority, hook, t) });
  };
  const steps = (name: string, priority: number, hooks: readonly Hook[], s: NetfilterStep): void => {
    for (const hook of hooks) out.push({ hook, handler: step(name, priority, s) });
  };
  tables('iptables-raw', NF_PRIORITY.raw, ['PREROUTING', 'OUTPUT'], 'raw');
  steps('conntrack', NF_PRIORITY.conntrack, ['PREROUTING', 'OUTPUT'], NH_CONNTRACK);
  tables('iptables-mangle', NF_PRIORITY.mangle, ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'], 'mangle');
  steps('iptables-nat', NF_PRIORITY.natDst, ['PREROUTING', 'OUTPUT'], NH_NAT);
  tables('iptables-filter', NF_PRIORITY.filter, ['INPUT', 'FORWARD', 'OUTPUT'], 'filter');
  steps('iptables-nat', NF_PRIORITY.natSrc, ['INPUT', 'POSTROUTING'], NH_NAT);
  steps('conntrack-confirm', NF_PRIORITY.confirm, ['INPUT', 'POSTROUTING'], NH_CONFIRM);
  return out;
}

/** idleBits of a ruleset, computed once per ruleset (shared by every namespace holding it). */
function idleBitsOf(rules: Ruleset): readonly number[] {
  let bits = idleByRuleset.get(rules);
  if (bits === undefined) {
    bits = idleBits(rules);
    idleByRuleset.set(rules, bits);
  }
  return bits;
}

/** Whether a ruleset's table is idle at a hook (Netfilter.tableIdle for whoever holds it). */
function rulesetIdle(rules: Ruleset, table: TableName, hook: Hook): boolean {
  return ((idleBitsOf(rules)[tableNumber(table)] ?? 0) & hookBit(hook)) !== 0;
}

/** The shared handlers by ruleset (see Netfilter.installShared); weak: kept while the ruleset is. */
const sharedByRuleset = new WeakMap<Ruleset, readonly NetfilterRegistration[]>();

function sharedRegistrations(rules: Ruleset): readonly NetfilterRegistration[] {
  let regs = sharedByRuleset.get(rules);
  if (regs === undefined) {
    regs = layout(
      (name, priority, hook, t) => new SharedTableHandler(name, priority, hook, t, rulesetIdle(rules, t, hook), (h) => rulesetIdle(rules, t, h)),
      (name, priority, s) => new SharedStepHandler(name, priority, s),
    );
    sharedByRuleset.set(rules, regs);
  }
  return regs;
}

/** A hook's bit in idleBits' answer. */
function hookBit(hook: Hook): number {
  return 1 << hookIndex(hook);
}

/** Tables by number, the index of idleBits' answer (a switch: a record lookup by varying names is megamorphic). */
function tableNumber(t: TableName): number {
  switch (t) {
    case 'raw':
      return 0;
    case 'mangle':
      return 1;
    case 'nat':
      return 2;
    case 'filter':
      return 3;
  }
}

/** The tables in tableNumber order. */
const TABLE_NAMES: readonly TableName[] = ['raw', 'mangle', 'nat', 'filter'];
const HOOKS: readonly Hook[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

/** A ruleset's table by name, read by named property (the same switch reason). */
function tableOf(rules: Ruleset, t: TableName): Ruleset['tables'][TableName] {
  switch (t) {
    case 'raw':
      return rules.tables.raw;
    case 'mangle':
      return rules.tables.mangle;
    case 'nat':
      return rules.tables.nat;
    case 'filter':
      return rules.tables.filter;
  }
}

/** Per table (by tableNumber), a bit per hook whose built-in chain is missing, or empty with policy ACCEPT. */
function idleBits(rules: Ruleset): number[] {
  return TABLE_NAMES.map((name) => {
    let bits = 0;
    for (const hook of HOOKS) {
      const chain = rules.tables[name].chains.get(hook);
      if (chain === undefined || (chain.rules.length === 0 && chain.policy !== 'DROP')) bits |= hookBit(hook);
    }
    return bits;
  });
}

/** A changed copy of a conntrack entry, written out (not spread: this runs at every hook of a first packet). */
function withEntry(e: CtEntry, reply: CtTuple, confirmed: boolean, seenReply: boolean, dstNatDone: boolean, srcNatDone: boolean, mark: number): CtEntry {
  return { id: e.id, orig: e.orig, reply, confirmed, seenReply, dstNatDone, srcNatDone, mark };
}

/** Whether `v` already is the original-direction view ctView(e, false, v.mark) would make. */
function sameView(v: CtView, e: CtEntry): boolean {
  return !v.reply && v.id === e.id && v.state === ctStateOf(e, false) && v.dnat === isDnat(e) && v.snat === isSnat(e);
}

function ctView(e: CtEntry, reply: boolean, mark = e.mark): CtView {
  return { state: ctStateOf(e, reply), dnat: isDnat(e), snat: isSnat(e), mark, reply, id: e.id };
}

/**
 * The netfilter of one network namespace: its iptables tables, ipsets, conntrack and the
 * committed per-namespace state. `registrations()` gives one HookHandler per (table, hook) at
 * the kernel's priorities, plus conntrack at -200 (PREROUTING/OUTPUT) and its confirmation at
 * INT_MAX (INPUT/POSTROUTING), so other handlers (IPVS at 98 on INPUT) interleave as in Linux.
 *
 * Per-path state travels in `skb.pathState` under `netfilter/<netns>`; when absent, the
 * committed state (`commit()`) is the starting point. The nat table runs only for the first
 * packet of a connection in each manipulation direction; later packets and replies are
 * translated from the conntrack entry, as nf_nat_inet_fn does.
 */
export class Netfilter implements NetfilterHooks {
  private rules: Ruleset = emptyRuleset();
  /** The table handlers registrations() made, whose idleHere follows the rules (syncIdle). */
  private readonly tableHandlers: TableHandler[] = [];
  private sets: Ipsets = Ipsets.EMPTY;
  private committed: NfState = NfState.EMPTY;
  /** Which (table, hook) pairs are idle (idleBits), for the ruleset `idleOf` (rulesets are immutable). */
  private idleOf: Ruleset | undefined;
  private idle: readonly number[] = [];
  /** The namespace installShared registered this netfilter's shared handlers in. */
  private sharedIn: SharedNetfilterHost | undefined;
  readonly stateKey: string;
  /** stateKey as an object, which path-state layers compare by identity (see StateKey). */
  private readonly stateId: StateKey;

  constructor(
    readonly netns: string,
    private readonly clock: Clock = ZERO_CLOCK,
  ) {
    this.stateKey = `netfilter/${netns}`;
    this.stateId = stateKeyOf(this.stateKey);
    SHARED_RULESETS.registerEmpty(this.rules);
  }

  get ruleset(): Ruleset {
    return this.rules;
  }

  get ipsets(): Ipsets {
    return this.sets;
  }

  /** `iptables-restore [--noflush]`: all-or-nothing; throws InputError KW_NETFILTER_PARSE naming the line. */
  iptablesRestore(text: string, opts: { noflush?: boolean; counters?: boolean } = {}): void {
    // Equal restores onto an equal start share one immutable result (see SharedRulesets).
    const optsKey = `${opts.noflush === true ? 'n' : ''}${opts.counters === true ? 'c' : ''}`;
    this.rules = SHARED_RULESETS.restore(this.rules, text, optsKey, () => restore(this.rules, text, { ...opts, ipsets: this.sets }));
    this.syncIdle();
  }

  /** Tells every table handler whether its table is idle at its hook under the current rules. */
  private syncIdle(): void {
    for (const h of this.tableHandlers) h.idleHere = this.tableIdle(h.table, h.at);
    // Shared handlers belong to a ruleset: take the new ruleset's.
    if (this.sharedIn !== undefined) this.installShared(this.sharedIn);
  }

  iptablesSave(opts: SaveOptions = {}): string {
    if (Object.keys(opts).length > 0) return printIptablesSave(this.rules, opts);
    // A ruleset never changes, so its plain dump never does either (a shared ruleset is printed once).
    let text = savedTexts.get(this.rules);
    if (text === undefined) {
      text = printIptablesSave(this.rules, opts);
      savedTexts.set(this.rules, text);
    }
    return text;
  }

  /** `ipset restore`: all-or-nothing; throws InputError KW_IPSET_PARSE naming the line. */
  ipsetRestore(text: string, opts: { exist?: boolean } = {}): void {
    this.sets = ipsetRestore(this.sets, text, opts);
  }

  ipsetSave(): string {
    return ipsetSave(this.sets);
  }

  /** This namespace's state on a path (the committed state when the skb carries none). */
  stateOf(skb: Skb): NfState {
    const s = PathStateLayer.read(skb.pathState, this.stateId);
    return s instanceof NfState ? s : this.committed;
  }

  /** Makes a path's state (e.g. after a trace the caller keeps) the namespace's committed state. */
  commit(pathState: PathState | NfState): void {
    const s = pathState instanceof NfState ? pathState : pathState.get(this.stateKey);
    if (s instanceof NfState) this.committed = s;
  }

  get state(): NfState {
    return this.committed;
  }

  private withState(skb: Skb, state: NfState): Skb {
    return this.withCtState(skb, skb.packet, skb.ct, state);
  }

  /** One copy of the skb with this packet, conntrack view and namespace state (one allocation, not one per change). */
  private withCtState(skb: Skb, packet: Packet, ct: CtView, state: NfState): Skb {
    const ps = skb.pathState;
    // Copy-on-write without copying: a layer over the path's state (see PathStateLayer).
    const next = ps !== undefined && PathStateLayer.read(ps, this.stateId) === state ? ps : PathStateLayer.withKey(ps, this.stateId, state);
    return next === ps && packet === skb.packet && ct === skb.ct ? skb : skbWith(skb, packet, skb.mark, ct, next);
  }

  /** Runs one table at one hook (exposed for tests and tools). */
  runTable(table: TableName, hook: Hook, skb: Skb, host: HostView, opts?: { linear?: boolean }): HookBranch[] {
    if (this.idleAt(tableNumber(table), hookBit(hook))) return [this.branch(skb, NO_HOPS)];
    const t = tableOf(this.rules, table);
    const state = this.stateOf(skb);
    const res = walkTableOf(t, hook, host, this.sets, this.clock.now(), skb, state, opts?.linear === true);
    // A walk result is a branch already (its extra `state` is ignored); only a changed state needs a new skb.
    for (let i = 0; i < res.length; i++) {
      const r = res[i];
      if (r !== undefined && r.state !== state) r.skb = this.withState(r.skb, r.state);
    }
    return res;
  }

  /**
   * Whether `table` lets every packet through `hook` untouched and silently: no built-in chain,
   * or an empty one with policy ACCEPT (raw and mangle on a kube-proxy node). The trace shows no
   * hop for it either way, so the hook runner may skip the handler.
   */
  tableIdle(table: TableName, hook: Hook): boolean {
    return this.idleAt(tableNumber(table), hookBit(hook));
  }

  /** tableIdle by table number and hook bit (a registration knows both beforehand). */
  private idleAt(table: number, hookBit: number): boolean {
    // Asked at every hook of every trace: answered from bits computed once per ruleset (shared by
    // every namespace holding that ruleset).
    if (this.idleOf !== this.rules) {
      this.idle = idleBitsOf(this.rules);
      this.idleOf = this.rules;
    }
    return ((this.idle[table] ?? 0) & hookBit) !== 0;
  }

  /** Conntrack lookup (nf_conntrack_in): finds or creates the entry and sets skb.ct. */
  conntrackIn(skb: Skb): HookBranch {
    const state = this.stateOf(skb);
    const p = skb.packet;
    // A packet has the tuple's fields: look it up without building a tuple.
    const found = state.conntrack.lookup(p);
    if (found !== undefined) {
      let e = found.entry;
      if (found.reply && !e.seenReply) {
        e = withEntry(e, e.reply, e.confirmed, true, e.dstNatDone, e.srcNatDone, e.mark);
        const next = state.withConntrack(state.conntrack.put(e));
        const ct = ctView(e, true);
        return this.branch(this.withCtState(skb, p, ct, next), [{ step: 'conntrack', detail: `ct ${ct.state} reply of ${e.id}: ${flowKey(p)}` }]);
      }
      const ct = ctView(e, found.reply);
      return this.branch(this.withCtState(skb, p, ct, state), [{ step: 'conntrack', detail: `ct ${ct.state}${found.reply ? ' reply' : ''} of ${e.id}: ${flowKey(p)}` }]);
    }
    const id = state.nextCtId;
    // The packet is its own original tuple (it has the tuple's fields, and both are immutable): one object less per
    // new connection.
    const t: CtTuple = p;
    const e: CtEntry = { id, orig: t, reply: invertTuple(t), confirmed: false, seenReply: false, dstNatDone: false, srcNatDone: false, mark: 0 };
    const next = state.withConntrack(state.conntrack.put(e), id + 1);
    return this.branch(this.withCtState(skb, p, ctView(e, false), next), NO_HOPS);
  }

  /** nf_conntrack_confirm: the entry becomes visible to later packets (with its final mark). */
  confirm(skb: Skb): HookBranch {
    const id = skb.ct.id;
    const state = this.stateOf(skb);
    const e = id === undefined ? undefined : state.conntrack.get(id);
    if (e === undefined || (e.confirmed && e.mark === skb.ct.mark)) return this.branch(skb, NO_HOPS);
    return this.branch(this.withState(skb, state.withConntrack(state.conntrack.put(withEntry(e, e.reply, true, e.seenReply, e.dstNatDone, e.srcNatDone, skb.ct.mark)))), NO_HOPS);
  }

  /** The nat table at one hook, or the conntrack entry's binding once NAT was decided. */
  nat(hook: Hook, skb: Skb, host: HostView): HookBranch[] {
    const dstManip = hook === 'PREROUTING' || hook === 'OUTPUT';
    const state = this.stateOf(skb);
    const id = skb.ct.id;
    const e = id === undefined ? undefined : state.conntrack.get(id);
    if (e !== undefined && (skb.ct.reply || (dstManip ? e.dstNatDone : e.srcNatDone))) {
      // Translate from the entry: toward invert(other direction's tuple).
      const want = invertTuple(skb.ct.reply ? e.orig : e.reply);
      const p = skb.packet;
      const np = dstManip ? { ...p, dst: want.dst, dport: want.dport } : { ...p, src: want.src, sport: want.sport };
      if (np.dst === p.dst && np.dport === p.dport && np.src === p.src && np.sport === p.sport) return [this.branch(skb, NO_HOPS)];
      const before = flowKey(p);
      const after = flowKey(np);
      const type = dstManip ? (skb.ct.reply ? 'snat' : 'dnat') : skb.ct.reply ? 'dnat' : 'snat';
      const hop: HookHop = { step: 'conntrack', detail: `${skb.ct.reply ? 'reply: undo ' : ''}${type.toUpperCase()} from conntrack entry ${e.id}: ${before} => ${after}`, nat: { type, before, after } };
      return [this.branch(skbWith(skb, np, skb.mark, skb.ct, skb.pathState), [hop])];
    }
    if (e === undefined && skb.ct.state !== 'NEW') return [this.branch(skb, NO_HOPS)];
    if (e === undefined) return this.runTable('nat', hook, skb, host);
    const res: WalkResult[] = this.idleAt(tableNumber('nat'), hookBit(hook))
      ? [{ probability: Fraction.ONE, verdict: ACCEPT, skb, state, hops: NO_HOPS }]
      : walkTableOf(this.rules.tables.nat, hook, host, this.sets, this.clock.now(), skb, state, false);
    // The NAT decision is taken: record it, and the reply tuple it implies, in the entry (one
    // new skb per branch carrying both the walk's state and the updated entry).
    for (let i = 0; i < res.length; i++) {
      const r = res[i];
      if (r === undefined) continue;
      const s = r.state;
      const b = r.skb;
      if (r.verdict.kind !== 'accept') {
        if (s !== state) r.skb = this.withState(b, s);
        continue;
      }
      const cur = s.conntrack.get(e.id) ?? e;
      const p = b.packet;
      // The reply tuple and the conntrack view stay the objects they were when this hook translated nothing new (a
      // first packet's POSTROUTING without SNAT): the same values, two allocations fewer on every path.
      const r0 = cur.reply;
      const reply: CtTuple = r0.src === p.dst && r0.sport === p.dport && r0.dst === p.src && r0.dport === p.sport && r0.proto === p.proto ? r0 : { proto: p.proto, src: p.dst, sport: p.dport, dst: p.src, dport: p.sport };
      const upd = withEntry(cur, reply, cur.confirmed, cur.seenReply, dstManip || cur.dstNatDone, !dstManip || cur.srcNatDone, cur.mark);
      const ct = sameView(b.ct, upd) ? b.ct : ctView(upd, false, b.ct.mark);
      const next = s.withConntrack(s.conntrack.put(upd));
      r.skb = this.withCtState(b, p, ct, next);
      r.state = next;
    }
    return res;
  }

  private branch(skb: Skb, hops: readonly HookHop[]): HookBranch {
    return { probability: Fraction.ONE, verdict: ACCEPT, skb, hops };
  }

  pass(skb: Skb): HookBranch {
    return this.branch(skb, NO_HOPS);
  }

  /** Every handler this namespace's netfilter registers, with its hook (register each with Netns.registerHook). */
  registrations(): NetfilterRegistration[] {
    // One handler object per hook (see TableHandler); a table's knows whether it is idle there.
    return layout(
      (name, priority, hook, t) => {
        const handler = new TableHandler(name, priority, this, hook, t);
        handler.idleHere = this.tableIdle(t, hook);
        this.tableHandlers.push(handler);
        return handler;
      },
      (name, priority, s) => new StepHandler(name, priority, this, s),
    );
  }

  /**
   * Registers in `ns` the handlers shared by every namespace holding the current ruleset (the same objects, in the
   * same order as registrations()), and makes this the netfilter they find there; again whenever the rules change.
   * Returns them, in registrations() order.
   */
  installShared(ns: SharedNetfilterHost): readonly NetfilterRegistration[] {
    ns.netfilter = this;
    this.sharedIn = ns;
    const regs = sharedRegistrations(this.rules);
    for (const r of regs) ns.registerHook(r.hook, r.handler);
    return regs;
  }
}
