import { isJsonObject, jsonEqual, type KubeObject } from '../api/index.js';
import { isApiError, type ApiServer } from '../apiserver/index.js';
import {
  availableOf,
  byCreation,
  DESIRED_REPLICAS,
  equalIgnoreHash,
  fenceposts,
  MAX_REPLICAS,
  POD_TEMPLATE_HASH,
  podTemplateHash,
  replicasOf,
  REVISION,
  REVISION_HISTORY,
  revisionOf,
  strategyType,
  templateOf,
} from './deployment-util.js';
import { BY_CONTROLLER_UID } from './replica-set.js';
import type { Informers } from './runtime/informers.js';
import { controllerKey, controllerOf, controllerRef, intField, R, specOf, splitKey, statusOf } from './runtime/objects.js';
import { QueueController } from './runtime/work-queue.js';

/**
 * The Deployment controller (pkg/controller/deployment): one ReplicaSet per pod template, named
 * `<deployment>-<pod-template-hash>`, carrying a revision; RollingUpdate scales the new one up
 * within maxSurge and the old ones down without going under `replicas - maxUnavailable` available
 * pods (rolling.go); Recreate scales the old ones to zero and waits for their pods to go first;
 * old ReplicaSets past revisionHistoryLimit are deleted; status and the Available/Progressing
 * conditions follow. Scaling mid-rollout is not proportional (Kubernetes spreads it over all
 * ReplicaSets); kubewire puts the difference on the new one.
 */
export class DeploymentController extends QueueController {
  readonly name = 'deployment-controller';

  constructor(
    private readonly api: ApiServer,
    private readonly informers: Informers,
  ) {
    super();
    // The informer's key for the Deployment is its "namespace/name" (a Deployment always has a namespace), the cached string.
    informers.on(R.deployments, (_t, _d, _old, key) => this.enqueue(key));
    informers.on(R.replicaSets, (_t, rs) => {
      const key = controllerKey(rs, 'Deployment');
      if (key !== undefined) this.enqueue(key);
    });
    // Recreate waits for old pods to be gone: a pod leaving wakes its Deployment (via its ReplicaSet).
    informers.on(R.pods, (type, pod) => {
      if (type !== 'DELETED') return;
      const ref = controllerOf(pod);
      if (ref?.kind !== 'ReplicaSet') return;
      const rs = this.informers.get(R.replicaSets, pod.metadata.namespace ?? '', ref.name);
      const key = rs === undefined ? undefined : controllerKey(rs, 'Deployment');
      if (key !== undefined) this.enqueue(key);
    });
  }

  replicaSetsOf(d: KubeObject): KubeObject[] {
    return [...this.informers.byIndex(R.replicaSets, BY_CONTROLLER_UID, d.metadata.uid ?? '')].sort(byCreation);
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const d = this.informers.get(R.deployments, ns, name);
    if (d === undefined || d.metadata.deletionTimestamp !== undefined) return;
    const all = this.replicaSetsOf(d);
    const tmpl = templateOf(d);
    const existingNew = all.find((rs) => equalIgnoreHash(templateOf(rs), tmpl));
    const olds = all.filter((rs) => rs !== existingNew);
    if (specOf(d)['paused'] === true) {
      await this.syncStatus(d, existingNew, olds);
      return;
    }
    if (strategyType(d) === 'Recreate') await this.recreate(d, existingNew, olds);
    else await this.rolling(d, existingNew, olds);
    await this.cleanup(d);
    const fresh = this.informers.get(R.deployments, ns, name) ?? d;
    const rsNow = this.replicaSetsOf(fresh);
    const newNow = rsNow.find((rs) => equalIgnoreHash(templateOf(rs), tmpl));
    await this.syncStatus(fresh, newNow, rsNow.filter((rs) => rs !== newNow));
  }

  private async rolling(d: KubeObject, existingNew: KubeObject | undefined, olds: KubeObject[]): Promise<void> {
    const desired = replicasOf(d);
    const { maxSurge, maxUnavailable } = fenceposts(d);
    const total = (rs: readonly KubeObject[]): number => rs.reduce((n, r) => n + replicasOf(r), 0);
    let newRs = existingNew;
    // NewRSNewReplicas: grow the new ReplicaSet up to maxSurge above the desired count, in all.
    const current = total(olds) + (newRs === undefined ? 0 : replicasOf(newRs));
    const newReplicas = newRs === undefined ? 0 : replicasOf(newRs);
    let target = newReplicas;
    if (newReplicas > desired) target = desired;
    else if (newReplicas < desired) target = newReplicas + Math.max(0, Math.min(desired + maxSurge - current, desired - newReplicas));
    newRs = await this.ensureNewReplicaSet(d, newRs, olds, target);
    if (target !== newReplicas) return; // scaled up: wait for the new pods (rolling.go returns here too)

    const active = olds.filter((rs) => replicasOf(rs) > 0);
    if (active.length === 0) return;
    const allPods = total(olds) + replicasOf(newRs);
    const minAvailable = desired - maxUnavailable;
    const newUnavailable = replicasOf(newRs) - availableOf(newRs);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return;
    // cleanupUnhealthyReplicas: old pods that are not available anyway go first.
    let cleaned = 0;
    const after = new Map<KubeObject, number>();
    for (const rs of active) {
      const unhealthy = replicasOf(rs) - availableOf(rs);
      if (cleaned >= maxScaledDown || unhealthy <= 0) continue;
      const n = Math.min(maxScaledDown - cleaned, unhealthy);
      after.set(rs, replicasOf(rs) - n);
      cleaned += n;
    }
    // scaleDownOldReplicaSetsForRollingUpdate: then available old pods, while enough stay available.
    const availableAll = availableOf(newRs) + olds.reduce((n, rs) => n + availableOf(rs), 0);
    let budget = availableAll - minAvailable;
    for (const rs of active) {
      if (budget <= 0) break;
      const cur = after.get(rs) ?? replicasOf(rs);
      const n = Math.min(cur, budget);
      if (n <= 0) continue;
      after.set(rs, cur - n);
      budget -= n;
    }
    for (const [rs, n] of after) await this.scale(rs, n, d);
  }

  private async recreate(d: KubeObject, existingNew: KubeObject | undefined, olds: KubeObject[]): Promise<void> {
    const running = olds.filter((rs) => replicasOf(rs) > 0);
    if (running.length > 0) {
      for (const rs of running) await this.scale(rs, 0, d);
      return;
    }
    const oldPodsLeft = olds.some((rs) => [...this.informers.byIndex(R.pods, BY_CONTROLLER_UID, rs.metadata.uid ?? '')].length > 0);
    if (oldPodsLeft) {
      await this.ensureNewReplicaSet(d, existingNew, olds, existingNew === undefined ? 0 : replicasOf(existingNew));
      return;
    }
    await this.ensureNewReplicaSet(d, existingNew, olds, replicasOf(d));
  }

  /** Creates the new ReplicaSet or brings its revision and replicas up to date; returns it. */
  private async ensureNewReplicaSet(d: KubeObject, rs: KubeObject | undefined, olds: readonly KubeObject[], replicas: number): Promise<KubeObject> {
    const ns = d.metadata.namespace ?? '';
    const maxOld = olds.reduce((m, o) => Math.max(m, revisionOf(o)), 0);
    const { maxSurge } = fenceposts(d);
    const annotations = { [DESIRED_REPLICAS]: String(replicasOf(d)), [MAX_REPLICAS]: String(replicasOf(d) + maxSurge) };
    if (rs === undefined) {
      const collisionCount = intField(statusOf(d), 'collisionCount');
      const hash = podTemplateHash(templateOf(d), collisionCount);
      // The Deployment's template and selector are stored (frozen): the ReplicaSet's are new envelopes over them,
      // so its template spec is the Deployment's own object (and its pods' containers are too; see CowObject).
      const dt = templateOf(d) as { metadata?: { labels?: Record<string, string> } };
      const template = { ...dt, metadata: { ...(dt.metadata ?? {}), labels: { ...(dt.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } } };
      const sel = specOf(d)['selector'];
      const selector: Record<string, unknown> = isJsonObject(sel) ? { ...sel } : {};
      selector['matchLabels'] = { ...(isJsonObject(selector['matchLabels']) ? selector['matchLabels'] : {}), [POD_TEMPLATE_HASH]: hash };
      const body = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name ?? ''}-${hash}`,
          labels: { ...(template.metadata.labels ?? {}) },
          annotations: { ...annotations, [REVISION]: String(maxOld + 1) },
          ownerReferences: [controllerRef(d)],
        },
        spec: { replicas, minReadySeconds: intField(specOf(d), 'minReadySeconds'), selector, template },
      };
      try {
        return await this.api.create(R.replicaSets, ns, body, { owned: true });
      } catch (e) {
        // A ReplicaSet of that name with another template: a hash collision; bump collisionCount and retry.
        if (!(isApiError(e) && e.status.code === 409 && e.status.reason === 'AlreadyExists')) throw e;
        await this.api.update(R.deployments, ns, d.metadata.name ?? '', { ...d, status: { ...statusOf(d), collisionCount: collisionCount + 1 } }, { subresource: 'status' });
        throw e;
      }
    }
    // rs is the informer's frozen object: the draft is a new envelope over its unchanged parts.
    const ann: Record<string, string> = { ...(rs.metadata.annotations ?? {}), ...annotations };
    const rev = revisionOf(rs);
    if (rev <= maxOld) {
      // A rollback to an older template: it becomes the newest revision, the old number goes to the history.
      ann[REVISION] = String(maxOld + 1);
      const hist = ann[REVISION_HISTORY];
      ann[REVISION_HISTORY] = hist === undefined || hist === '' ? String(rev) : `${hist},${rev}`;
    }
    const next: KubeObject = { ...rs, metadata: { ...rs.metadata, annotations: ann }, spec: { ...specOf(rs), replicas } };
    if (jsonEqual(next, rs)) return rs;
    return this.api.update(R.replicaSets, ns, rs.metadata.name ?? '', next, { owned: true });
  }

  private async scale(rs: KubeObject, replicas: number, d: KubeObject): Promise<void> {
    if (replicasOf(rs) === replicas) return;
    const { maxSurge } = fenceposts(d);
    const annotations = { ...(rs.metadata.annotations ?? {}), [DESIRED_REPLICAS]: String(replicasOf(d)), [MAX_REPLICAS]: String(replicasOf(d) + maxSurge) };
    const next: KubeObject = { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...specOf(rs), replicas } };
    await this.api.update(R.replicaSets, rs.metadata.namespace ?? '', rs.metadata.name ?? '', next, { owned: true });
  }

  /** cleanupDeployment: old ReplicaSets with no pods, beyond revisionHistoryLimit, oldest revision first. */
  private async cleanup(d: KubeObject): Promise<void> {
    const limit = intField(specOf(d), 'revisionHistoryLimit', 10);
    const tmpl = templateOf(d);
    const olds = this.replicaSetsOf(d).filter((rs) => !equalIgnoreHash(templateOf(rs), tmpl));
    const idle = olds.filter((rs) => replicasOf(rs) === 0 && intField(statusOf(rs), 'replicas') === 0 && rs.metadata.deletionTimestamp === undefined);
    const surplus = olds.length - limit;
    if (surplus <= 0) return;
    idle.sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, surplus)) await this.api.delete(R.replicaSets, rs.metadata.namespace ?? '', rs.metadata.name ?? '');
  }

  private async syncStatus(d: KubeObject, newRs: KubeObject | undefined, olds: readonly KubeObject[]): Promise<void> {
    const all = newRs === undefined ? [...olds] : [newRs, ...olds];
    const sum = (f: string): number => all.reduce((n, rs) => n + intField(statusOf(rs), f), 0);
    const desired = replicasOf(d);
    const available = sum('availableReplicas');
    const updated = newRs === undefined ? 0 : intField(statusOf(newRs), 'replicas');
    const old = statusOf(d);
    const now = this.api.now();
    const { maxUnavailable } = fenceposts(d);
    const isAvailable = available >= desired - maxUnavailable;
    const complete = newRs !== undefined && updated === desired && available === desired && sum('replicas') === desired && intField(statusOf(newRs), 'observedGeneration') >= (newRs.metadata.generation ?? 0);
    const rsName = newRs?.metadata.name ?? '';
    const cond = (type: string, status: string, reason: string, message: string): Record<string, unknown> => {
      const prev = (Array.isArray(old['conditions']) ? old['conditions'] : []).find((c) => isJsonObject(c) && c['type'] === type) as Record<string, unknown> | undefined;
      const same = prev?.['status'] === status && prev['reason'] === reason && prev['message'] === message;
      if (same && prev !== undefined) return prev;
      return { type, status, lastUpdateTime: now, lastTransitionTime: prev?.['status'] === status ? (prev['lastTransitionTime'] ?? now) : now, reason, message };
    };
    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation ?? 0,
      replicas: sum('replicas'),
      updatedReplicas: updated,
      readyReplicas: sum('readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, desired - available),
      conditions: [
        isAvailable
          ? cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
          : cond('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
        complete
          ? cond('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`)
          : cond('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`),
      ],
    };
    if (old['collisionCount'] !== undefined) status['collisionCount'] = old['collisionCount'];
    const ann = d.metadata.annotations ?? {};
    const rev = newRs === undefined ? undefined : newRs.metadata.annotations?.[REVISION];
    if (rev !== undefined && ann[REVISION] !== rev) {
      // The Deployment carries its new ReplicaSet's revision (SetDeploymentRevision).
      // A new envelope over the stored Deployment: its spec stays shared (and already validated parts are not walked again).
      const next: KubeObject = { ...d, metadata: { ...d.metadata, annotations: { ...ann, [REVISION]: rev } } };
      d = await this.api.update(R.deployments, d.metadata.namespace ?? '', d.metadata.name ?? '', next, { owned: true });
    }
    if (jsonEqual(status, old)) return;
    await this.api.update(R.deployments, d.metadata.namespace ?? '', d.metadata.name ?? '', { ...d, status }, { subresource: 'status', owned: true });
  }
}
