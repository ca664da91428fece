import type { Hook, HookHandler, HookHop, HookVerdict, HostView, Netns, Skb } from '../net/index.js';
import type { TraceHop } from './types.js';
import type { Verdict } from './types.js';
import type { Walk } from './walk.js';

export type HookEnd = (w: Walk, verdict: Exclude<Verdict, 'delivered'>, reason: string, skb: Skb) => void;

/** Verdicts by which a handler hands the packet back to the datapath to continue differently. */
export type TakeoverVerdict = Extract<HookVerdict, { kind: 'reroute' | 'proxy' }>;
/** Continues a path a handler took over (IPVS re-routing, a userspace proxy's new connection). */
export type HookTakeover = (w: Walk, verdict: TakeoverVerdict, skb: Skb) => void;

const hostViews = new WeakMap<Netns, HostView>();

/**
 * A hop a handler reported, placed at the namespace and interface where it ran. It reads through
 * to the handler's hop instead of copying it, so its detail is formatted only when read.
 */
class HandlerHop implements TraceHop {
  constructor(
    readonly node: string | null,
    readonly netns: string,
    readonly iface: string | null,
    private readonly h: HookHop,
  ) {}
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

export function hostView(ns: Netns): HostView {
  let h = hostViews.get(ns);
  if (h === undefined) {
    h = {
      netns: ns.name,
      addrType: (ip, dev) => ns.addrType(ip, dev),
      primaryAddress: (dev) => ns.primaryAddress(dev),
      sourceAddressFor: (dst) => ns.sourceAddressFor(dst),
    };
    hostViews.set(ns, h);
  }
  return h;
}

/**
 * Runs a hook's handlers in priority order, as nf_hook_slow does, forking the walk on every
 * branch a handler returns. `k` continues each accepted branch; `end` closes the others.
 */
export function runHook(w: Walk, ns: Netns, hook: Hook, skb: Skb, iface: string | null, k: (w: Walk, skb: Skb) => void, end: HookEnd, takeover?: HookTakeover): void {
  const handlers = ns.handlers(hook);
  if (handlers.length === 0) {
    k(w, skb);
    return;
  }
  runFrom(w, ns, hook, skb, iface, handlers, 0, k, end, takeover);
}

function runFrom(
  w: Walk,
  ns: Netns,
  hook: Hook,
  skb: Skb,
  iface: string | null,
  handlers: readonly HookHandler[],
  i: number,
  k: (w: Walk, skb: Skb) => void,
  end: HookEnd,
  takeover?: HookTakeover,
): void {
  const h = handlers[i];
  if (h === undefined) {
    k(w, skb);
    return;
  }
  const branches = h.process(hook, skb, hostView(ns));
  for (const b of branches) {
    const bw = branches.length === 1 ? w : w.fork(b.probability);
    if (branches.length === 1 && !b.probability.isOne()) bw.prob = bw.prob.mul(b.probability);
    for (const hh of b.hops) bw.hops.push(new HandlerHop(ns.node, ns.name, iface, hh));
    const v = b.verdict;
    switch (v.kind) {
      case 'accept':
        runFrom(bw, ns, hook, b.skb, iface, handlers, i + 1, k, end, takeover);
        break;
      case 'drop':
        end(bw, 'dropped', v.reason, b.skb);
        break;
      case 'reject':
        end(bw, 'rejected', `${v.reason} (REJECT --reject-with ${v.with})`, b.skb);
        break;
      case 'stolen':
        end(bw, 'dropped', v.reason, b.skb);
        break;
      case 'reroute':
      case 'proxy':
        if (takeover === undefined) end(bw, 'dropped', `${v.reason} (not continued: no takeover here)`, b.skb);
        else takeover(bw, v, b.skb);
        break;
    }
  }
}
