import type { Ruleset } from './types.js';

/**
 * Rulesets shared between namespaces that restored the same text onto the same starting point.
 *
 * Why: kube-proxy writes the same rules on every node of a cluster except where a node has
 * local endpoints or its own addresses in them, and kubelet's chains are the same everywhere.
 * A 5,000-node cluster restored node by node would hold 5,000 equal copies of each table, and a
 * trace that crosses two random nodes would walk two cold copies. Rulesets are immutable (a
 * restore builds new tables), so equal inputs may share one result: the namespaces still have
 * separate conntrack, marks, ipsets and counters state, which live outside the ruleset.
 *
 * A restore is shared only when its outcome depends on nothing but (starting ruleset, text,
 * options): text that references ipsets (`--match-set`) is validated against the namespace's own
 * sets, so it is never shared. Results are held weakly: the cache shares what some namespace
 * still uses and never keeps a ruleset (or its text) alive by itself.
 */
export class SharedRulesets {
  /** Starting points by identity; every pristine empty ruleset is the same starting point, id 0. */
  private readonly ids = new WeakMap<Ruleset, number>();
  private nextId = 1;
  /** `<base id>/<options>` → text → result. */
  private readonly byBase = new Map<string, Map<string, WeakRef<Ruleset>>>();
  private readonly collected = new FinalizationRegistry<{ readonly key: string; readonly text: string; readonly ref: WeakRef<Ruleset> }>((e) => {
    const m = this.byBase.get(e.key);
    if (m?.get(e.text) !== e.ref) return;
    m.delete(e.text);
    if (m.size === 0) this.byBase.delete(e.key);
  });

  /** Marks a freshly made empty ruleset as the common empty starting point. */
  registerEmpty(r: Ruleset): void {
    this.ids.set(r, 0);
  }

  /** The result of restoring `text` onto `base` with `opts`, computing it with `make` the first time. */
  restore(base: Ruleset, text: string, optsKey: string, make: () => Ruleset): Ruleset {
    const baseId = this.ids.get(base);
    if (baseId === undefined || text.includes('--match-set')) return make();
    const key = `${baseId}/${optsKey}`;
    let m = this.byBase.get(key);
    const hit = m?.get(text)?.deref();
    if (hit !== undefined) return hit;
    const made = make();
    if (m === undefined) {
      m = new Map();
      this.byBase.set(key, m);
    }
    const ref = new WeakRef(made);
    m.set(text, ref);
    this.collected.register(made, { key, text, ref });
    if (!this.ids.has(made)) this.ids.set(made, this.nextId++);
    return made;
  }
}

/** The process-wide cache every Netfilter restores through. */
export const SHARED_RULESETS = new SharedRulesets();
