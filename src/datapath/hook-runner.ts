import { Fraction } from '../lib/index.js';
import type { Hook, HookBranch, HookHandler, HookHop, HookVerdict, HostView, Netns, Skb } from '../net/index.js';
import type { TraceHop } from './types.js';
import type { Verdict } from './types.js';
import type { Walk } from './walk.js';

/** Verdicts by which a handler hands the packet back to the datapath to continue differently. */
export type TakeoverVerdict = Extract<HookVerdict, { kind: 'reroute' | 'proxy' }>;

/**
 * Where a hook sends the paths it does not continue. One object for the whole trace, not two
 * closures per hook call: a pod-to-pod trace runs some twenty hooks.
 */
export interface HookExits {
  end(w: Walk, ns: Netns, iface: string | null, verdict: Exclude<Verdict, 'delivered'>, reason: string, skb: Skb): void;
  /** Continues a path a handler took over (IPVS re-routing, a userspace proxy's new connection); absent: such paths drop. */
  takeover?(w: Walk, ns: Netns, iface: string | null, verdict: TakeoverVerdict, skb: Skb): void;
}

/** Continues an accepted path after the hook. */
export type HookNext = (w: Walk, skb: Skb) => void;

/**
 * A hop a handler reported, placed at the namespace and interface where it ran. It reads through
 * to the handler's hop instead of copying it, so its detail is formatted only when read.
 */
class HandlerHop implements TraceHop {
  declare readonly node: string | null;
  declare readonly netns: string;
  declare readonly iface: string | null;
  private declare readonly h: HookHop;

  // Declared fields, assigned here (see ConntrackTable's note in net/netfilter/conntrack.ts).
  constructor(node: string | null, netns: string, iface: string | null, h: HookHop) {
    this.node = node;
    this.netns = netns;
    this.iface = iface;
    this.h = h;
  }
  get step(): string {
    return this.h.step;
  }
  get detail(): string {
    return this.h.detail;
  }
  get rule(): string | null {
    return this.h.rule ?? null;
  }
  get table(): string | undefined {
    return this.h.table;
  }
  get chain(): string | undefined {
    return this.h.chain;
  }
  get ruleNumber(): number | undefined {
    return this.h.ruleNumber;
  }
  get nat(): HookHop['nat'] {
    return this.h.nat;
  }
}

/**
 * Runs a hook's handlers in priority order, as nf_hook_slow does, forking the walk on every
 * branch a handler returns. `k` continues each accepted branch; `exits` closes the others.
 */
export function runHook(w: Walk, ns: Netns, hook: Hook, skb: Skb, iface: string | null, k: HookNext, exits: HookExits): void {
  runFrom(w, ns, hook, skb, iface, ns.handlers(hook), 0, k, exits);
}

function runFrom(w: Walk, ns: Netns, hook: Hook, skb: Skb, iface: string | null, handlers: readonly HookHandler[], from: number, k: HookNext, exits: HookExits): void {
  // The namespace is its own HostView (ns.host === ns). Passed as is: reading the field loaded a cache line of the
  // namespace object nothing else on a pod's hooks touches, once per hook of every trace.
  const host: HostView = ns;
  let s = skb;
  // The common case, one branch per handler, loops in place on the same walk; only a real fork
  // (statistic random, IPVS rr) recurses, once per branch.
  for (let i = from; i < handlers.length; i++) {
    const h = handlers[i];
    if (h === undefined || (h.idle !== undefined && h.idle(hook))) continue;
    const branches = h.process(hook, s, host);
    if (branches.length !== 1) {
      for (const b of branches) {
        const bw = w.fork(b.probability);
        addHops(bw, ns, iface, b.hops);
        if (b.verdict.kind === 'accept') runFrom(bw, ns, hook, b.skb, iface, handlers, i + 1, k, exits);
        else stop(bw, ns, iface, b, exits);
      }
      return;
    }
    const b = branches[0] as HookBranch;
    // Nearly every branch carries the shared Fraction.ONE: compared by identity first, without a call.
    const bp = b.probability;
    if (bp !== Fraction.ONE && !bp.isOne()) w.prob = w.prob.mul(bp);
    addHops(w, ns, iface, b.hops);
    if (b.verdict.kind !== 'accept') {
      stop(w, ns, iface, b, exits);
      return;
    }
    s = b.skb;
  }
  k(w, s);
}

function addHops(w: Walk, ns: Netns, iface: string | null, hops: readonly HookHop[]): void {
  for (let j = 0; j < hops.length; j++) {
    const hh = hops[j];
    if (hh !== undefined) w.hops.push(new HandlerHop(ns.node, ns.name, iface, hh));
  }
}

/** A branch whose verdict is not accept: the path ends here or a takeover continues it. */
function stop(w: Walk, ns: Netns, iface: string | null, b: HookBranch, exits: HookExits): void {
  const v = b.verdict;
  switch (v.kind) {
    case 'accept':
      return;
    case 'drop':
    case 'stolen':
      exits.end(w, ns, iface, 'dropped', v.reason, b.skb);
      return;
    case 'reject':
      exits.end(w, ns, iface, 'rejected', `${v.reason} (REJECT --reject-with ${v.with})`, b.skb);
      return;
    case 'reroute':
    case 'proxy':
      if (exits.takeover === undefined) exits.end(w, ns, iface, 'dropped', `${v.reason} (not continued: no takeover here)`, b.skb);
      else exits.takeover(w, ns, iface, v, b.skb);
      return;
  }
}
