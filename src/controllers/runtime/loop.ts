import { KubewireError, type SimulatedClock } from '../../lib/index.js';
import type { TimerQueue } from './timers.js';

/**
 * What the control loop drives: a controller, the scheduler, a kubelet. `step` handles the work
 * queued so far (writes through the API, whose watch events may queue more) and says whether it
 * did anything. The scheduler and kubelets implement it structurally (they cannot import this module).
 */
export interface Reconciler {
  readonly name: string;
  pending(): boolean;
  step(): Promise<boolean>;
}

/**
 * Runs reconcilers in a fixed order, round after round, until none has work: the cluster is then
 * quiescent (what a real cluster reaches when every controller's queue is empty). One process,
 * one order: the same input always gives the same objects, names and addresses.
 */
export class ControlLoop {
  private readonly reconcilers: Reconciler[] = [];
  /** Called after each quiescent point (e.g. to re-derive the network from the objects). */
  private readonly settled: (() => void | Promise<void>)[] = [];

  constructor(
    readonly clock: SimulatedClock,
    readonly timers: TimerQueue,
  ) {}

  add(...rs: Reconciler[]): void {
    this.reconcilers.push(...rs);
  }

  onSettled(fn: () => void | Promise<void>): void {
    this.settled.push(fn);
  }

  /** Steps every reconciler with work until none has any; throws KW_CONTROLLERS_NO_QUIESCENCE past maxRounds. */
  async runUntilQuiescent(maxRounds = 100_000): Promise<number> {
    let rounds = 0;
    for (;;) {
      let worked = false;
      for (const r of this.reconcilers) {
        if (!r.pending()) continue;
        if (await r.step()) worked = true;
      }
      if (!worked) break;
      if (++rounds > maxRounds) {
        const busy = this.reconcilers.filter((r) => r.pending()).map((r) => r.name);
        throw new KubewireError('KW_CONTROLLERS_NO_QUIESCENCE', `the cluster did not settle within ${maxRounds} rounds (still busy: ${busy.join(', ')})`);
      }
    }
    for (const fn of this.settled) await fn();
    return rounds;
  }

  /** Moves the clock forward by `ms`, stopping at every timer on the way to fire it and settle the cluster. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    await this.runUntilQuiescent();
    for (;;) {
      const due = this.timers.nextDue();
      if (due === undefined || due > end) break;
      if (due > this.clock.now()) this.clock.advance(due - this.clock.now());
      this.timers.fireDue();
      await this.runUntilQuiescent();
    }
    if (end > this.clock.now()) this.clock.advance(end - this.clock.now());
  }
}
