/**
 * The edge that makes a LiveCluster react to writes arriving over HTTP. The cluster core is
 * deterministic and does nothing by itself (settle() and advance() run it); here every watch event
 * pokes a driver that, on the next turn of the event loop (setImmediate, so a burst of writes from
 * one `kubectl apply` becomes one pass), runs the control loop until quiescent. The simulated clock
 * moves only through advance(), which `serve --clock realtime` calls with elapsed wall time.
 */
export interface Drivable {
  settle(): Promise<void>;
  advance(ms: number): Promise<void>;
}

export class SettleDriver {
  private dirty = false;
  private pendingMs = 0;
  private scheduled: ReturnType<typeof setImmediate> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly target: Drivable,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Something changed: run the loop to quiescence soon. */
  poke(): void {
    this.dirty = true;
    this.schedule();
  }

  /** Move simulated time forward by `ms` (timers due on the way fire in order). */
  advance(ms: number): void {
    if (ms <= 0) return;
    this.pendingMs += ms;
    this.schedule();
  }

  /** Resolves once no pass is running or scheduled: the cluster has reacted to every write so far. */
  idle(): Promise<void> {
    if (this.running === undefined && this.scheduled === undefined) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** No further passes; waits for the one in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    await this.running;
    this.release();
  }

  private schedule(): void {
    if (this.stopped || this.scheduled !== undefined || this.running !== undefined) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.running = this.run().finally(() => {
        this.running = undefined;
        // Writes made by the pass itself (controllers, kubelets) poked us meanwhile: one more pass
        // checks they need nothing further; it finds the loop quiescent and stops.
        if (!this.stopped && (this.dirty || this.pendingMs > 0)) this.schedule();
        else this.release();
      });
    });
  }

  private async run(): Promise<void> {
    try {
      const ms = this.pendingMs;
      this.pendingMs = 0;
      this.dirty = false;
      if (ms > 0) await this.target.advance(ms);
      else await this.target.settle();
    } catch (e) {
      this.onError(e);
    }
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
