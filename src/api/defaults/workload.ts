import type { CowObject } from './cow.js';
import { defaultPodSpec } from './pod.js';

/** apps/v1 defaults (pkg/apis/apps/v1/defaults.go SetDefaults_Deployment, SetDefaults_ReplicaSet). */
function defaultTemplate(spec: CowObject): void {
  const template = spec.child('template');
  template.child('metadata');
  defaultPodSpec(template.child('spec'));
}

export function defaultDeployment(d: CowObject): void {
  const spec = d.child('spec');
  spec.setDefault('replicas', 1);
  const strategy = spec.child('strategy');
  strategy.setDefault('type', 'RollingUpdate');
  if (strategy.get('type') === 'RollingUpdate') {
    const ru = strategy.child('rollingUpdate');
    ru.setDefault('maxUnavailable', '25%');
    ru.setDefault('maxSurge', '25%');
  }
  spec.setDefault('revisionHistoryLimit', 10);
  spec.setDefault('progressDeadlineSeconds', 600);
  defaultTemplate(spec);
  d.setDefault('status', {});
}

/** SetDefaults_DaemonSet: RollingUpdate one node at a time (maxUnavailable 1, maxSurge 0), ten revisions kept. */
export function defaultDaemonSet(ds: CowObject): void {
  const spec = ds.child('spec');
  const strategy = spec.child('updateStrategy');
  strategy.setDefault('type', 'RollingUpdate');
  if (strategy.get('type') === 'RollingUpdate') {
    const ru = strategy.child('rollingUpdate');
    ru.setDefault('maxUnavailable', 1);
    ru.setDefault('maxSurge', 0);
  }
  spec.setDefault('revisionHistoryLimit', 10);
  defaultTemplate(spec);
  ds.setDefault('status', { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
}

/**
 * SetDefaults_StatefulSet: one replica, pods made in order (OrderedReady), rolling updates from the top
 * ordinal down to partition 0, PVCs kept on delete and scale-down (the retention policy, on since 1.27).
 */
export function defaultStatefulSet(sts: CowObject): void {
  const spec = sts.child('spec');
  spec.setDefault('replicas', 1);
  spec.setDefault('podManagementPolicy', 'OrderedReady');
  const strategy = spec.child('updateStrategy');
  strategy.setDefault('type', 'RollingUpdate');
  if (strategy.get('type') === 'RollingUpdate') strategy.child('rollingUpdate').setDefault('partition', 0);
  spec.setDefault('revisionHistoryLimit', 10);
  const retention = spec.child('persistentVolumeClaimRetentionPolicy');
  retention.setDefault('whenDeleted', 'Retain');
  retention.setDefault('whenScaled', 'Retain');
  defaultTemplate(spec);
  sts.setDefault('status', { replicas: 0, availableReplicas: 0 });
}

export function defaultReplicaSet(rs: CowObject): void {
  const spec = rs.child('spec');
  spec.setDefault('replicas', 1);
  defaultTemplate(spec);
  rs.setDefault('status', { replicas: 0 });
}
