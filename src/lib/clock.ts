/** Time is injected: core code never reads the wall clock, so timeouts are deterministic in tests. */
export interface Clock {
  /** Milliseconds since an arbitrary epoch. */
  now(): number;
}

export class SimulatedClock implements Clock {
  private t: number;
  constructor(start = 0) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('a clock cannot go backwards');
    this.t += ms;
  }
}

export const wallClock: Clock = { now: () => Date.now() };
