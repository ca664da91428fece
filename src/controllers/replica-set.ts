import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { deepFreeze, jsonEqual, type KubeObject } from '../api/index.js';
import { EventRecorder, isApiError, type ApiServer } from '../apiserver/index.js';
import type { Informers } from './runtime/informers.js';
import {
  availableFrom,
  condition,
  controllerKey,
  controllerOf,
  controllerRef,
  intField,
  isPodActive,
  isPodReady,
  nsName,
  podNodeName,
  podPhase,
  R,
  specOf,
  splitKey,
  statusOf,
} from './runtime/objects.js';
import type { TimerQueue } from './runtime/timers.js';
import { QueueController } from './runtime/work-queue.js';

export const BY_CONTROLLER_UID = 'controller-uid';

/** Indexes pods (and ReplicaSets) by their controller's uid, the lookup every owner needs. */
/** What controllerUidIndex reads. */
export function ownerRefsOf(o: KubeObject): unknown {
  return o.metadata.ownerReferences;
}

export function controllerUidIndex(o: KubeObject): readonly string[] {
  const ref = controllerOf(o);
  return ref === undefined ? [] : [ref.uid];
}

const PHASE_RANK: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Which surplus pods go first (controller.ActivePodsWithRanks, without the co-location rank):
 * unassigned before assigned, Pending before Unknown before Running, not ready before ready,
 * ready for less time first, then the newest first. Ties by name, for determinism.
 */
export function deletionOrder(a: KubeObject, b: KubeObject): number {
  const an = podNodeName(a) === '' ? 0 : 1;
  const bn = podNodeName(b) === '' ? 0 : 1;
  if (an !== bn) return an - bn;
  const ap = PHASE_RANK[podPhase(a)] ?? 0;
  const bp = PHASE_RANK[podPhase(b)] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = isPodReady(a) ? 1 : 0;
  const br = isPodReady(b) ? 1 : 0;
  if (ar !== br) return ar - br;
  if (ar === 1) {
    const at = String(condition(a, 'Ready')?.lastTransitionTime ?? '');
    const bt = String(condition(b, 'Ready')?.lastTransitionTime ?? '');
    if (at !== bt) return at > bt ? -1 : 1;
  }
  const ac = a.metadata.creationTimestamp ?? '';
  const bc = b.metadata.creationTimestamp ?? '';
  if (ac !== bc) return ac > bc ? -1 : 1;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? 1 : -1;
}

/**
 * The ReplicaSet controller (pkg/controller/replicaset): keeps `spec.replicas` active pods built
 * from the template, owned through a controller reference; deletes the surplus in deletionOrder;
 * reports replicas, fullyLabeledReplicas, readyReplicas and availableReplicas (ready for at least
 * minReadySeconds, re-checked by a timer) with observedGeneration.
 */
export class ReplicaSetController extends QueueController {
  readonly name = 'replicaset-controller';

  private readonly events: EventRecorder;
  /** ReplicaSets whose last pod create was refused, by key: retried when a ServiceAccount appears in their namespace. */
  private readonly failedCreates = new Set<string>();

  constructor(
    private readonly api: ApiServer,
    private readonly informers: Informers,
    private readonly timers: TimerQueue,
  ) {
    super();
    this.events = new EventRecorder(api, { component: 'replicaset-controller' });
    informers.on(R.serviceAccounts, (t, sa) => {
      if (t !== 'ADDED' || this.failedCreates.size === 0) return;
      for (const key of this.failedCreates) {
        if (splitKey(key)[0] !== sa.metadata.namespace) continue;
        this.failedCreates.delete(key);
        this.enqueue(key);
      }
    });
    informers.on(R.replicaSets, (t, rs, _old, key) => {
      if (t === 'DELETED') this.ownerRefs.delete(rs.metadata.uid ?? '');
      this.enqueue(key); // the informer's cached "namespace/name" (a ReplicaSet always has a namespace)
    });
    informers.on(R.pods, (_t, pod, old) => {
      const key = this.ownerKey(pod);
      if (key !== undefined) this.enqueue(key);
      // The old owner matters only when the owner references changed (a pod adopted or released).
      if (old !== undefined && old.metadata.ownerReferences !== pod.metadata.ownerReferences) {
        const oldKey = this.ownerKey(old);
        if (oldKey !== undefined) this.enqueue(oldKey);
      }
    });
  }

  /** The queue key of a frozen ownerReferences list's controlling ReplicaSet, by the list (shared by its pods). */
  private readonly ownerKeys = new WeakMap<object, { readonly ns: string; readonly key: string | undefined }>();

  /** "namespace/name" of the ReplicaSet controlling the pod, if one does; made once per shared ownerReferences list. */
  private ownerKey(pod: KubeObject): string | undefined {
    const refs = pod.metadata.ownerReferences;
    const ns = pod.metadata.namespace ?? '';
    const frozen = refs !== undefined && Object.isFrozen(refs);
    const known = frozen ? this.ownerKeys.get(refs) : undefined;
    if (known?.ns === ns) return known.key;
    const key = controllerKey(pod, 'ReplicaSet');
    if (frozen) this.ownerKeys.set(refs, { ns, key });
    return key;
  }

  /** Active pods controlled by the ReplicaSet. */
  ownedPods(rs: KubeObject): KubeObject[] {
    return [...this.informers.byIndex(R.pods, BY_CONTROLLER_UID, rs.metadata.uid ?? '')];
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const rs = this.informers.get(R.replicaSets, ns, name);
    if (rs === undefined) return;
    const spec = specOf(rs);
    const all = this.ownedPods(rs);
    const active = all.filter(isPodActive);
    if (rs.metadata.deletionTimestamp === undefined) {
      const diff = active.length - intField(spec, 'replicas', 1);
      if (diff < 0) {
        for (let i = 0; i < -diff; i++) {
          try {
            await this.createPod(rs);
          } catch (e) {
            // Refused by admission or validation: slowStartBatch stops at the first failure, the event says why, and
            // the ReplicaSet is tried again when what was missing (its pods' ServiceAccount) appears.
            if (!(isApiError(e) && (e.status.code === 403 || e.status.code === 422))) throw e;
            await this.events.record({ r: R.replicaSets, obj: rs }, 'Warning', 'FailedCreate', `Error creating: ${e.message}`);
            this.failedCreates.add(key);
            break;
          }
        }
      } else if (diff > 0) {
        for (const pod of [...active].sort(deletionOrder).slice(0, diff)) {
          try {
            await this.api.delete(R.pods, ns, pod.metadata.name ?? '');
          } catch (e) {
            if (!(isApiError(e) && e.status.code === 404)) throw e;
          }
        }
      }
    }
    await this.updateStatus(rs);
  }

  /**
   * The ownerReferences every pod of a ReplicaSet carries (its controller reference), by the ReplicaSet's uid:
   * one frozen list shared by all of them, as they share the template's labels and containers.
   */
  private readonly ownerRefs = new Map<string, readonly OwnerReference[]>();

  private ownerRefsFor(rs: KubeObject): readonly OwnerReference[] {
    const uid = rs.metadata.uid ?? '';
    let refs = this.ownerRefs.get(uid);
    if (refs === undefined || refs[0]?.name !== rs.metadata.name) {
      refs = deepFreeze([controllerRef(rs)]);
      this.ownerRefs.set(uid, refs);
    }
    return refs;
  }

  private async createPod(rs: KubeObject): Promise<void> {
    const template = specOf(rs)['template'];
    const t = (template ?? {}) as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };
    const meta: Record<string, unknown> = { generateName: `${rs.metadata.name ?? ''}-`, ownerReferences: this.ownerRefsFor(rs) };
    // The template's parts are the stored ReplicaSet's (frozen): the API server keeps what it does not change
    // shared, so every pod of the ReplicaSet carries the same label map and containers.
    if (t.metadata?.labels !== undefined) meta['labels'] = t.metadata.labels;
    if (t.metadata?.annotations !== undefined) meta['annotations'] = t.metadata.annotations;
    await this.api.create(R.pods, rs.metadata.namespace ?? '', { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: t.spec }, { owned: true });
  }

  /** calculateStatus: counts from the cache as it is after this sync's writes. */
  private async updateStatus(rs: KubeObject): Promise<void> {
    const cur = this.informers.get(R.replicaSets, rs.metadata.namespace ?? '', rs.metadata.name ?? '') ?? rs;
    const active = this.ownedPods(cur).filter(isPodActive);
    const labels = (specOf(cur)['template'] as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels ?? {};
    const minReady = intField(specOf(cur), 'minReadySeconds') * 1000;
    const now = this.timers.clock.now();
    let ready = 0;
    let available = 0;
    let fullyLabeled = 0;
    const wanted = Object.entries(labels);
    for (const p of active) {
      const pl = p.metadata.labels;
      if (pl === labels || wanted.every(([k, v]) => pl?.[k] === v)) fullyLabeled++;
      if (!isPodReady(p)) continue;
      ready++;
      const at = availableFrom(p, minReady);
      if (at === undefined) continue;
      if (at <= now) available++;
      else this.timers.at(at, () => this.enqueue(nsName(cur)));
    }
    const old = statusOf(cur);
    const status: Record<string, unknown> = {
      replicas: active.length,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: cur.metadata.generation ?? 0,
    };
    if (Array.isArray(old['conditions'])) status['conditions'] = old['conditions'];
    if (jsonEqual(status, old)) return;
    await this.api.update(R.replicaSets, cur.metadata.namespace ?? '', cur.metadata.name ?? '', { ...cur, status }, { subresource: 'status', owned: true });
  }
}
