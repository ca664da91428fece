import type { Netns } from '../net/index.js';
import type { HopStep, TraceHop } from './types.js';

/** A hop detail, or the function that formats it when first read. */
export type Detail = string | (() => string);

/**
 * A hop whose human detail is formatted only when read: the benchmark's hundreds of thousands of
 * traces a second never pay for strings nobody prints.
 */
export class Hop implements TraceHop {
  readonly rule = null;
  constructor(
    readonly node: string | null,
    readonly netns: string,
    readonly iface: string | null,
    readonly step: HopStep,
    private d: Detail,
  ) {}
  get detail(): string {
    if (typeof this.d !== 'string') this.d = this.d();
    return this.d;
  }
}

/** How a trace names a namespace by its owner. */
export function describeOwner(ns: Netns): string {
  const o = ns.owner;
  return o.kind === 'pod' ? `pod ${o.pod}` : o.kind === 'node' ? `node ${o.node}` : `external host ${o.name}`;
}
