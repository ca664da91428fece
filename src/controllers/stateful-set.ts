import { deepFreeze, isJsonObject, jsonEqual, type JsonObject, type KubeObject } from '../api/index.js';
import { isApiError, type ApiServer } from '../apiserver/index.js';
import { podTemplateHash, templateOf } from './deployment-util.js';
import type { Informers } from './runtime/informers.js';
import { CONTROLLER_REVISION_HASH, controllerKey, controllerRef, intField, isPodReady, isTerminating, nsName, podPhase, R, specOf, splitKey, statusOf } from './runtime/objects.js';
import { BY_CONTROLLER_UID } from './replica-set.js';
import { QueueController } from './runtime/work-queue.js';

/** The labels a StatefulSet's pods carry besides the template's (apps.StatefulSetPodNameLabel, PodIndexLabel). */
export const STATEFUL_SET_POD_NAME = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX = 'apps.kubernetes.io/pod-index';

function ordinalOf(sts: KubeObject, pod: KubeObject): number | undefined {
  const prefix = `${sts.metadata.name ?? ''}-`;
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

/** isRunningAndReady: Running with the Ready condition (minReadySeconds is not waited for between ordinals). */
function healthy(pod: KubeObject): boolean {
  return podPhase(pod) === 'Running' && isPodReady(pod) && !isTerminating(pod);
}

/**
 * The StatefulSet controller (pkg/controller/statefulset): pods named `<set>-<ordinal>` with a stable
 * hostname and, when the set names its governing Service, that Service as subdomain (so a headless
 * Service's EndpointSlices carry their hostnames and `<pod>.<service>.<ns>.svc` resolves to each).
 * OrderedReady makes ordinal n only once 0..n-1 are Running and Ready and removes the highest first,
 * one at a time; Parallel does both at once. A template change rolls out from the highest ordinal down
 * to the partition, one pod at a time, each replaced only after the one before is Ready again (OnDelete:
 * only pods the user deletes). A pod below the partition is recreated from the set's current revision.
 * The revisions' templates are kept by the controller, not as ControllerRevision objects, and
 * volumeClaimTemplates are accepted but no claims are made (kubewire has no storage).
 */
export class StatefulSetController extends QueueController {
  readonly name = 'statefulset-controller';
  /**
   * Per set (by key), the templates of its current and update revisions by revision name (what ControllerRevisions
   * hold), so a pod below the partition can be recreated at the current one.
   */
  private readonly revisions = new Map<string, Map<string, JsonObject>>();

  constructor(
    private readonly api: ApiServer,
    private readonly informers: Informers,
  ) {
    super();
    informers.on(R.statefulSets, (_t, sts) => this.enqueue(nsName(sts)));
    informers.on(R.pods, (_t, pod) => {
      const key = controllerKey(pod, 'StatefulSet');
      if (key !== undefined) this.enqueue(key);
    });
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const sts = this.informers.get(R.statefulSets, ns, name);
    if (sts === undefined || isTerminating(sts)) {
      this.revisions.delete(key);
      return;
    }
    const spec = specOf(sts);
    const replicas = intField(spec, 'replicas', 1);
    const ordered = spec['podManagementPolicy'] !== 'Parallel';
    const template = templateOf(sts);
    const updateRevision = `${name}-${podTemplateHash(template, intField(statusOf(sts), 'collisionCount'))}`;
    let revisions = this.revisions.get(key);
    if (revisions === undefined) this.revisions.set(key, (revisions = new Map()));
    revisions.set(updateRevision, template);
    const status = statusOf(sts);
    const currentRevision = typeof status['currentRevision'] === 'string' && revisions.has(status['currentRevision']) ? status['currentRevision'] : updateRevision;
    // Pods are only ever made from these two: older templates are not kept.
    for (const rev of revisions.keys()) if (rev !== currentRevision && rev !== updateRevision) revisions.delete(rev);
    const strategy = isJsonObject(spec['updateStrategy']) ? spec['updateStrategy'] : {};
    const rolling = strategy['type'] !== 'OnDelete';
    const partition = rolling && isJsonObject(strategy['rollingUpdate']) ? intField(strategy['rollingUpdate'], 'partition') : 0;

    const byOrdinal = new Map<number, KubeObject>();
    const condemned: KubeObject[] = [];
    for (const pod of this.informers.byIndex(R.pods, BY_CONTROLLER_UID, sts.metadata.uid ?? '')) {
      const ord = ordinalOf(sts, pod);
      if (ord === undefined) continue;
      if (ord < replicas) byOrdinal.set(ord, pod);
      else condemned.push(pod);
    }
    condemned.sort((a, b) => (ordinalOf(sts, b) ?? 0) - (ordinalOf(sts, a) ?? 0));

    let blocked = false;
    for (let ord = 0; ord < replicas && !blocked; ord++) {
      const pod = byOrdinal.get(ord);
      if (pod === undefined) {
        // newVersionedStatefulSetPod: below the partition a pod keeps the current revision.
        const revision = rolling && ord < partition ? currentRevision : updateRevision;
        await this.createPod(sts, ord, revision, revisions.get(revision) ?? template);
        blocked = ordered;
      } else if (podPhase(pod) === 'Failed' && !isTerminating(pod)) {
        await this.deletePod(ns, pod);
        blocked = ordered;
      } else if (ordered && !healthy(pod)) {
        blocked = true;
      }
    }
    // Scale down: the highest ordinal first; in order, one at a time and only while the rest are healthy.
    for (const pod of condemned) {
      if (blocked) break;
      if (isTerminating(pod)) {
        blocked = ordered;
        continue;
      }
      await this.deletePod(ns, pod);
      blocked = ordered;
    }
    if (rolling && !blocked) {
      for (let ord = replicas - 1; ord >= partition; ord--) {
        const pod = byOrdinal.get(ord);
        if (pod === undefined) break;
        if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH] !== updateRevision && !isTerminating(pod)) {
          await this.deletePod(ns, pod);
          break;
        }
        if (!healthy(pod)) break;
      }
    }
    await this.updateStatus(sts, currentRevision, updateRevision, rolling);
  }

  private async deletePod(ns: string, pod: KubeObject): Promise<void> {
    try {
      await this.api.delete(R.pods, ns, pod.metadata.name ?? '');
    } catch (e) {
      if (!(isApiError(e) && e.status.code === 404)) throw e;
    }
  }

  private async createPod(sts: KubeObject, ord: number, revision: string, template: JsonObject): Promise<void> {
    const tmeta = isJsonObject(template['metadata']) ? template['metadata'] : {};
    const podName = `${sts.metadata.name ?? ''}-${ord}`;
    const labels = {
      ...(isJsonObject(tmeta['labels']) ? (tmeta['labels'] as Record<string, string>) : {}),
      [CONTROLLER_REVISION_HASH]: revision,
      [STATEFUL_SET_POD_NAME]: podName,
      [POD_INDEX]: String(ord),
    };
    const serviceName = specOf(sts)['serviceName'];
    const podSpec = {
      ...(isJsonObject(template['spec']) ? template['spec'] : {}),
      hostname: podName,
      ...(typeof serviceName === 'string' && serviceName !== '' ? { subdomain: serviceName } : {}),
    };
    const metadata: Record<string, unknown> = { name: podName, labels, ownerReferences: deepFreeze([controllerRef(sts)]) };
    if (isJsonObject(tmeta['annotations'])) metadata['annotations'] = tmeta['annotations'];
    try {
      await this.api.create(R.pods, sts.metadata.namespace ?? '', { apiVersion: 'v1', kind: 'Pod', metadata, spec: podSpec });
    } catch (e) {
      // The previous pod of that ordinal is still there (being deleted): the next sync makes it.
      if (!(isApiError(e) && e.status.code === 409)) throw e;
    }
  }

  private async updateStatus(sts: KubeObject, currentRevision: string, updateRevision: string, rolling: boolean): Promise<void> {
    const cur = this.informers.get(R.statefulSets, sts.metadata.namespace ?? '', sts.metadata.name ?? '') ?? sts;
    let replicas = 0;
    let ready = 0;
    let current = 0;
    let updated = 0;
    for (const pod of this.informers.byIndex(R.pods, BY_CONTROLLER_UID, cur.metadata.uid ?? '')) {
      if (ordinalOf(cur, pod) === undefined) continue;
      // A pod being deleted still counts as a replica (not as current or updated), so a rollout is not
      // declared complete while a replaced pod is on its way out.
      replicas++;
      if (healthy(pod)) ready++;
      if (isTerminating(pod)) continue;
      const rev = pod.metadata.labels?.[CONTROLLER_REVISION_HASH];
      if (rev === currentRevision) current++;
      if (rev === updateRevision) updated++;
    }
    // completeRollingUpdate: once every pod is updated and ready, the update revision becomes the current one.
    const complete = rolling && updated === replicas && ready === replicas;
    const status: Record<string, unknown> = {
      observedGeneration: cur.metadata.generation ?? 0,
      replicas,
      readyReplicas: ready,
      currentReplicas: complete ? updated : current,
      updatedReplicas: updated,
      currentRevision: complete ? updateRevision : currentRevision,
      updateRevision,
      collisionCount: 0,
      availableReplicas: ready,
    };
    for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas']) if (status[k] === 0) delete status[k];
    if (jsonEqual(status, statusOf(cur))) return;
    await this.api.update(R.statefulSets, cur.metadata.namespace ?? '', cur.metadata.name ?? '', { ...cur, status }, { subresource: 'status', owned: true });
  }
}
