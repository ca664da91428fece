import type { SimulatedClock } from '../../lib/index.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * Timeouts on the simulated clock: the node monitor's period, taint-based eviction after
 * tolerationSeconds, minReadySeconds. Nothing fires until the clock is advanced through
 * ControlLoop.advance, so a run is reproducible. Timers due at the same instant fire in the
 * order they were set.
 */
export class TimerQueue {
  private timers: Timer[] = [];
  private seq = 0;

  constructor(readonly clock: SimulatedClock) {}

  at(t: number, fn: () => void): void {
    // Binary insertion after every timer due at or before t: equal instants keep their order.
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.timers[mid]?.at ?? 0) <= t) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, { at: t, seq: this.seq++, fn });
  }

  after(ms: number, fn: () => void): void {
    this.at(this.clock.now() + Math.max(0, ms), fn);
  }

  /** When the earliest timer is due, if any. */
  nextDue(): number | undefined {
    return this.timers[0]?.at;
  }

  get size(): number {
    return this.timers.length;
  }

  /** Fires every timer due by now; returns how many fired. */
  fireDue(): number {
    let n = 0;
    const now = this.clock.now();
    while ((this.timers[0]?.at ?? Infinity) <= now) {
      const t = this.timers.shift();
      if (t === undefined) break;
      t.fn();
      n++;
    }
    return n;
  }
}
