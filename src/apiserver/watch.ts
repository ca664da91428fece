import { qualifiedResource, type KubeObject, type ResourceType } from '../api/index.js';
import type { ApiServer, ListOptions } from './api-server.js';
import { apiErrors } from './errors.js';
import { isStoreError, type StoreEvent, type StoreWatch } from './store.js';

/** One event of a watch stream, as `?watch=true` sends it (metav1.WatchEvent). */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: KubeObject | Record<string, unknown>;
}

export interface WatchOptions extends ListOptions {
  /** Resume after this version; absent or "0": first an ADDED for every current object (the "get state and start" semantics). */
  readonly resourceVersion?: string;
}

/**
 * Watches a resource with selectors. An object that starts or stops matching a selector appears as
 * ADDED or DELETED, as the watch cache reports it. 410 Expired when the version is too old.
 */
export async function watchResource(
  api: ApiServer,
  r: ResourceType,
  namespace: string,
  opts: WatchOptions,
  listener: (ev: WatchEvent) => void,
): Promise<StoreWatch> {
  const match = api.filter(r, opts);
  const resource = qualifiedResource(r);
  const ns = r.namespaced ? namespace : '';
  const onEvent = (ev: StoreEvent): void => {
    const now = match(ev.object);
    const before = ev.previous !== undefined && match(ev.previous);
    switch (ev.type) {
      case 'ADDED':
        if (now) listener({ type: 'ADDED', object: ev.object });
        break;
      case 'MODIFIED':
        if (now && before) listener({ type: 'MODIFIED', object: ev.object });
        else if (now) listener({ type: 'ADDED', object: ev.object });
        else if (before) listener({ type: 'DELETED', object: ev.object });
        break;
      case 'DELETED':
        if (now || before) listener({ type: 'DELETED', object: ev.object });
        break;
    }
  };
  let from = opts.resourceVersion;
  if (from === undefined || from === '' || from === '0') {
    const list = await api.store.list(resource, ns);
    for (const o of list.items) if (match(o)) listener({ type: 'ADDED', object: o });
    from = list.resourceVersion;
  }
  try {
    return api.store.watch({ resource, namespace: ns, fromResourceVersion: from }, onEvent);
  } catch (e) {
    if (isStoreError(e, 'KW_APISERVER_STORE_GONE')) throw apiErrors.gone(e.message);
    throw e;
  }
}
