import type { Hook, HookHandler, HookVerdict, HostView, Netns, Skb } from '../net/index.js';
import type { Verdict } from './types.js';
import type { Walk } from './walk.js';

export type HookEnd = (w: Walk, verdict: Exclude<Verdict, 'delivered'>, reason: string, skb: Skb) => void;

/** Verdicts by which a handler hands the packet back to the datapath to continue differently. */
export type TakeoverVerdict = Extract<HookVerdict, { kind: 'reroute' | 'proxy' }>;
/** Continues a path a handler took over (IPVS re-routing, a userspace proxy's new connection). */
export type HookTakeover = (w: Walk, verdict: TakeoverVerdict, skb: Skb) => void;

const hostViews = new WeakMap<Netns, HostView>();

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
    for (const hh of b.hops) {
      bw.hops.push({
        node: ns.node,
        netns: ns.name,
        iface,
        step: hh.step,
        detail: hh.detail,
        rule: hh.rule ?? null,
        ...(hh.table === undefined ? {} : { table: hh.table }),
        ...(hh.chain === undefined ? {} : { chain: hh.chain }),
        ...(hh.ruleNumber === undefined ? {} : { ruleNumber: hh.ruleNumber }),
        ...(hh.nat === undefined ? {} : { nat: hh.nat }),
      });
    }
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
