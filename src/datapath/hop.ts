import type { Netns } from '../net/index.js';
import type { HopStep, TraceHop } from './types.js';

/** A hop detail, or the function that formats it when first read (from the hop's arguments a, b, c). */
export type Detail<A = undefined, B = undefined, C = undefined> = string | ((a: A, b: B, c: C) => string);

/**
 * A hop whose human detail is formatted only when read: the benchmark's hundreds of thousands of
 * traces a second never pay for strings nobody prints. The formatter's inputs are the hop's own
 * fields (a, b, c), so a module-level formatter serves: a closure over them was two more
 * allocations (the closure and its context) on every hop of every path.
 */
export class Hop<A = undefined, B = undefined, C = undefined> implements TraceHop {
  declare readonly node: string | null;
  declare readonly netns: string;
  declare readonly iface: string | null;
  declare readonly step: HopStep;
  private declare d: Detail<A, B, C>;
  private declare readonly a: A;
  private declare readonly b: B;
  private declare readonly c: C;
  declare readonly rule: null;

  // Declared fields, assigned here in the order they were declared (see ConntrackTable's note in net/netfilter/conntrack.ts).
  constructor(node: string | null, netns: string, iface: string | null, step: HopStep, d: Detail<A, B, C>, a: A, b: B, c: C) {
    this.node = node;
    this.netns = netns;
    this.iface = iface;
    this.step = step;
    this.d = d;
    this.a = a;
    this.b = b;
    this.c = c;
    this.rule = null;
  }
  get detail(): string {
    if (typeof this.d !== 'string') this.d = this.d(this.a, this.b, this.c);
    return this.d;
  }
}

/** How a trace names a namespace by its owner. */
export function describeOwner(ns: Netns): string {
  const o = ns.owner;
  return o.kind === 'pod' ? `pod ${o.pod}` : o.kind === 'node' ? `node ${o.node}` : `external host ${o.name}`;
}
