import { Fraction } from '../lib/index.js';
import type { TraceHop } from './types.js';

/**
 * One path being followed. Forked when a choice is random (statistic, ECMP); the hop list is
 * copied then, so branches never see each other's hops.
 */
export class Walk {
  declare prob: Fraction;
  declare hops: TraceHop[];
  /** Hops taken, to stop forwarding loops even where TTL is not decremented (bridging). */
  declare steps: number;

  // Declared fields, assigned here (see ConntrackTable's note in net/netfilter/conntrack.ts).
  constructor(prob: Fraction, hops: TraceHop[], steps: number) {
    this.prob = prob;
    this.hops = hops;
    this.steps = steps;
  }

  static start(): Walk {
    return new Walk(Fraction.ONE, [], 0);
  }

  fork(p: Fraction): Walk {
    return new Walk(this.prob.mul(p), this.hops.slice(), this.steps);
  }
}
