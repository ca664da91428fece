import { ensureObject, isJsonObject, setDefault, type JsonObject } from '../object.js';
import { defaultPodSpec } from './pod.js';

/** apps/v1 defaults (pkg/apis/apps/v1/defaults.go SetDefaults_Deployment, SetDefaults_ReplicaSet). */
function defaultTemplate(spec: JsonObject): void {
  const template = ensureObject(spec, ['template']);
  if (!isJsonObject(template['metadata'])) template['metadata'] = {};
  defaultPodSpec(ensureObject(template, ['spec']));
}

export function defaultDeployment(d: JsonObject): void {
  const spec = ensureObject(d, ['spec']);
  setDefault(spec, 'replicas', 1);
  const strategy = ensureObject(spec, ['strategy']);
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const ru = ensureObject(strategy, ['rollingUpdate']);
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultTemplate(spec);
  setDefault(d, 'status', {});
}

export function defaultReplicaSet(rs: JsonObject): void {
  const spec = ensureObject(rs, ['spec']);
  setDefault(spec, 'replicas', 1);
  defaultTemplate(spec);
  setDefault(rs, 'status', { replicas: 0 });
}
