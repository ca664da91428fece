import { RESOURCE_TYPES, type ResourceType } from '../api/index.js';
import { isApiError, type ApiServer } from '../apiserver/index.js';
import type { Informers } from './runtime/informers.js';
import { isTerminating, R } from './runtime/objects.js';
import { QueueController } from './runtime/work-queue.js';

/**
 * kube-controller-manager's namespace controller: a Terminating namespace has its content deleted through
 * the API, as any client would delete it (pods gracefully, so kubelets stop them and tear their networks
 * down, and EndpointSlices and proxy rules follow), and once nothing is left but what has no life of its own
 * the namespace itself goes (finalizeNamespace removes the remains and the namespace).
 */
export class NamespaceController extends QueueController {
  readonly name = 'namespace-controller';
  private readonly types: readonly ResourceType[] = RESOURCE_TYPES.filter((r) => r.namespaced);
  /** Terminating namespaces whose cleanup has been scheduled, and those whose cleanup has started. */
  private readonly scheduled = new Set<string>();
  private readonly started = new Set<string>();

  /**
   * `defer` decides when the cleanup of a newly Terminating namespace starts: the real controller waits
   * namespaceDeletionGracePeriod (5 s) first, so that a `kubectl delete -f` deleting the namespace before
   * the objects in it still finds them. `kubewire serve` waits those 5 s of wall time; without `defer`
   * (tests, the in-process cluster) it starts at once.
   */
  constructor(
    private readonly api: ApiServer,
    private readonly informers: Informers,
    private readonly defer?: (start: () => void) => void,
  ) {
    super();
    informers.on(R.namespaces, (type, ns) => {
      const name = ns.metadata.name ?? '';
      if (type === 'DELETED') {
        this.scheduled.delete(name);
        this.started.delete(name);
      } else if (isTerminating(ns) && !this.scheduled.has(name)) {
        this.scheduled.add(name);
        const start = (): void => {
          this.started.add(name);
          this.enqueue(name);
        };
        if (this.defer === undefined) start();
        else this.defer(start);
      }
    });
    // A pod that finished its graceful deletion may have been the last thing a Terminating namespace waited for.
    informers.on(R.pods, (type, pod) => {
      const name = pod.metadata.namespace ?? '';
      if (type === 'DELETED' && this.started.has(name)) this.enqueue(name);
    });
  }

  protected async sync(name: string): Promise<void> {
    const ns = this.informers.get(R.namespaces, '', name);
    if (ns === undefined || !isTerminating(ns)) return;
    let waiting = false;
    for (const r of this.types) {
      // Only this namespace's objects: the sync runs again as each pod goes, so a scan of every object would cost
      // pods-in-namespace x pods-in-cluster.
      for (const o of this.informers.listNamespace(r, name)) {
        if (o.metadata.deletionTimestamp !== undefined) {
          waiting = true; // already on its way out (a pod in its grace period)
          continue;
        }
        try {
          const left = await this.api.delete(r, name, o.metadata.name ?? '');
          if (left.metadata.deletionTimestamp !== undefined) waiting = true;
        } catch (e) {
          if (!(isApiError(e) && e.status.code === 404)) throw e;
        }
      }
    }
    if (!waiting) await this.api.finalizeNamespace(name);
  }
}
