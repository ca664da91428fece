import { InputError } from '../lib/index.js';
import type { KubeObject } from '../api/index.js';
import type { ApiServer } from '../apiserver/index.js';
import { equalIgnoreHash, POD_TEMPLATE_HASH, revisionOf, templateOf } from './deployment-util.js';
import { controllerOf, R, specOf } from './runtime/objects.js';

/**
 * `kubectl rollout undo deployment/<name> [--to-revision=N]`: copies the pod template of the
 * ReplicaSet holding revision N (default: the revision before the current one) into the
 * Deployment, minus the pod-template-hash label. The Deployment controller then rolls to it and
 * gives that ReplicaSet the next revision number. Returns the revision rolled back to.
 */
export async function rollbackDeployment(api: ApiServer, namespace: string, name: string, toRevision = 0): Promise<number> {
  const d = await api.get(R.deployments, namespace, name);
  const owned = (await api.list(R.replicaSets, namespace)).items.filter((rs) => controllerOf(rs)?.uid === d.metadata.uid);
  let target: KubeObject | undefined;
  if (toRevision === 0) {
    const current = owned.find((rs) => equalIgnoreHash(templateOf(rs), templateOf(d)));
    const cur = current === undefined ? Infinity : revisionOf(current);
    target = owned.filter((rs) => revisionOf(rs) < cur).sort((a, b) => revisionOf(b) - revisionOf(a))[0];
    if (target === undefined) throw new InputError('KW_CONTROLLERS_NO_ROLLOUT_HISTORY', `deployment ${namespace}/${name}: no rollout history found`);
  } else {
    target = owned.find((rs) => revisionOf(rs) === toRevision);
    if (target === undefined) throw new InputError('KW_CONTROLLERS_NO_REVISION', `deployment ${namespace}/${name}: unable to find specified revision ${toRevision} in history`);
  }
  const template = structuredClone(templateOf(target)) as { metadata?: { labels?: Record<string, string> } };
  if (template.metadata?.labels !== undefined) delete template.metadata.labels[POD_TEMPLATE_HASH];
  const next = structuredClone(d);
  specOf(next)['template'] = template;
  await api.update(R.deployments, namespace, name, next);
  return revisionOf(target);
}
