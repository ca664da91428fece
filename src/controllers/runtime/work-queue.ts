import { isApiError } from '../../apiserver/index.js';
import type { Reconciler } from './loop.js';

/**
 * A controller with client-go's work queue: keys are deduplicated while waiting, handled in
 * arrival order, and requeued on a 409 Conflict (someone wrote first: reconcile again from the
 * cache, which the watch has already refreshed). Other API errors are reported and dropped.
 */
export abstract class QueueController implements Reconciler {
  abstract readonly name: string;
  private queue = new Set<string>();
  /**
   * The key last added to the queue as it is now: events come in runs for one key (the 15 pods a ReplicaSet's sync
   * creates, then binds, all queue their ReplicaSet and Service), and a repeat is dropped without a lookup.
   */
  private lastKey: string | undefined;
  private readonly retries = new Map<string, number>();
  /** Errors that made a key give up, for tests and `kubewire` diagnostics. */
  readonly errors: { key: string; message: string }[] = [];

  enqueue(key: string): void {
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.queue.add(key);
  }

  pending(): boolean {
    return this.queue.size > 0;
  }

  async step(): Promise<boolean> {
    if (this.queue.size === 0) return false;
    const batch = this.queue;
    this.queue = new Set();
    this.lastKey = undefined;
    for (const key of batch) {
      try {
        await this.sync(key);
        this.retries.delete(key);
      } catch (e) {
        if (!isApiError(e)) throw e;
        const n = (this.retries.get(key) ?? 0) + 1;
        if (e.status.code === 409 && n <= 5) {
          this.retries.set(key, n);
          this.queue.add(key);
        } else if (e.status.code !== 404) {
          this.retries.delete(key);
          this.errors.push({ key, message: e.message });
        }
      }
    }
    return true;
  }

  protected abstract sync(key: string): Promise<void>;
}
