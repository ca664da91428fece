import { registeredResource } from '../api/index.js';
import type { ApiServer } from './api-server.js';
import type { StoreWatch } from './store.js';

/**
 * Stands in for kube-controller-manager's namespace controller until kubewire has one: when a
 * namespace turns Terminating, `schedule` is asked to run its finalization (content first, then the
 * namespace). The caller chooses when: a short real delay in `kubewire serve` (so `kubectl delete -f`
 * can still delete the namespace's objects, as against a real cluster), or at once in tests.
 */
export function startNamespaceFinalizer(api: ApiServer, schedule: (task: () => void) => void, onError: (e: unknown) => void = () => undefined): StoreWatch {
  const nsType = registeredResource('', 'namespaces');
  const pending = new Set<string>();
  return api.store.watch({ resource: 'namespaces' }, (ev) => {
    const name = ev.object.metadata.name ?? '';
    if (ev.type !== 'MODIFIED' || ev.object.metadata.deletionTimestamp === undefined || pending.has(name)) return;
    pending.add(name);
    schedule(() => {
      pending.delete(name);
      api.finalizeNamespace(name).catch(onError);
    });
  });
}
