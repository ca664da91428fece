import { Fraction } from '../lib/index.js';
import type { TraceHop } from './types.js';

/**
 * One path being followed. Forked when a choice is random (statistic, ECMP); the hop list is
 * copied then, so branches never see each other's hops.
 */
export class Walk {
  constructor(
    public prob: Fraction,
    public hops: TraceHop[],
    /** Hops taken, to stop forwarding loops even where TTL is not decremented (bridging). */
    public steps: number,
  ) {}

  static start(): Walk {
    return new Walk(Fraction.ONE, [], 0);
  }

  fork(p: Fraction): Walk {
    return new Walk(this.prob.mul(p), this.hops.slice(), this.steps);
  }
}
