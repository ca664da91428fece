import { RESOURCE_TYPES, type ResourceType } from '../api/index.js';
import { isApiError, type ApiServer } from '../apiserver/index.js';
import type { Informers } from './runtime/informers.js';
import { QueueController } from './runtime/work-queue.js';

export const OWNER_UID_INDEX = 'owner-uid';

/**
 * The garbage collector's background cascade: when an owner goes, every object naming it in
 * ownerReferences (and no other living owner) is deleted: a Deployment takes its ReplicaSets,
 * they take their pods, a Service its EndpointSlices.
 */
export class GarbageCollector extends QueueController {
  readonly name = 'garbage-collector';
  private readonly types: readonly ResourceType[] = RESOURCE_TYPES.filter((r) => r.namespaced);
  private readonly live = new Set<string>();

  constructor(
    private readonly api: ApiServer,
    private readonly informers: Informers,
  ) {
    super();
    for (const r of RESOURCE_TYPES) {
      informers.on(r, (type, o) => {
        const uid = o.metadata.uid ?? '';
        if (type === 'DELETED') {
          this.live.delete(uid);
          this.enqueue(uid);
        } else if (type === 'ADDED') this.live.add(uid); // an update keeps the uid: nothing to add
      });
    }
    for (const r of this.types) {
      informers.addIndex(r, OWNER_UID_INDEX, (o) => (o.metadata.ownerReferences ?? []).map((ref) => ref.uid), (o) => o.metadata.ownerReferences);
    }
  }

  protected async sync(ownerUid: string): Promise<void> {
    for (const r of this.types) {
      for (const o of [...this.informers.byIndex(r, OWNER_UID_INDEX, ownerUid)]) {
        if ((o.metadata.ownerReferences ?? []).some((ref) => this.live.has(ref.uid)) || o.metadata.deletionTimestamp !== undefined) continue;
        try {
          await this.api.delete(r, o.metadata.namespace ?? '', o.metadata.name ?? '');
        } catch (e) {
          if (!(isApiError(e) && e.status.code === 404)) throw e;
        }
      }
    }
  }
}
