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
  readonly rule = null;
  constructor(
    readonly node: string | null,
    readonly netns: string,
    readonly iface: string | null,
    readonly step: HopStep,
    private d: Detail<A, B, C>,
    private readonly a: A,
    private readonly b: B,
    private readonly c: C,
  ) {}
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
