import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { isKubewireError } from '../../lib/index.js';
import { matchesSelector, selectorFromLabelSelector } from '../label-selector.js';
import { isJsonObject } from '../object.js';
import { fieldError } from './field-error.js';
import { validateLabels } from './meta.js';
import { validatePodSpec } from './pod.js';
import { Collector, intOrString } from './values.js';

/** Deployment and ReplicaSet checks after pkg/apis/apps/validation (ValidateDeploymentSpec, ValidateReplicaSetSpec). */
const STRATEGIES = ['Recreate', 'RollingUpdate'] as const;

function nonNegative(c: Collector, v: unknown, field: string): number | undefined {
  const n = c.int(v, field);
  if (n !== undefined && n < 0) c.add(fieldError.invalid(field, n, 'must be greater than or equal to 0'));
  return n;
}

function validateSelectorAndTemplate(c: Collector, spec: Record<string, unknown>, kindWord: string): void {
  const rawSel = spec['selector'];
  const sel = c.obj(rawSel, 'spec.selector');
  const template = c.obj(spec['template'], 'spec.template');
  let selector: ReturnType<typeof selectorFromLabelSelector> = null;
  if (sel === undefined) {
    c.add(fieldError.required('spec.selector'));
  } else {
    const ml = sel['matchLabels'];
    const me = sel['matchExpressions'];
    if ((ml === undefined || (isJsonObject(ml) && Object.keys(ml).length === 0)) && (me === undefined || (Array.isArray(me) && me.length === 0))) {
      c.add(fieldError.invalid('spec.selector', sel, `empty selector is invalid for ${kindWord}`));
    } else {
      validateLabels(c, ml, 'spec.selector.matchLabels');
      c.arr(me, 'spec.selector.matchExpressions');
      try {
        selector = selectorFromLabelSelector(sel as LabelSelector, 'spec.selector');
      } catch (e) {
        if (!isKubewireError(e)) throw e;
        c.add(fieldError.invalid(e.where ?? 'spec.selector', sel, e.message.replace(/^[^:]*: /, '')));
      }
    }
  }
  if (template === undefined) {
    c.add(fieldError.required('spec.template'));
    return;
  }
  const tmeta = c.obj(template['metadata'], 'spec.template.metadata');
  const labels = c.strMap(tmeta?.['labels'], 'spec.template.metadata.labels');
  validateLabels(c, tmeta?.['labels'], 'spec.template.metadata.labels');
  if (selector !== null && !matchesSelector(selector, labels)) {
    c.add(fieldError.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  validatePodSpec(c, template['spec'], 'spec.template.spec');
  const tspec = c.obj(template['spec'], 'spec.template.spec');
  const rp = tspec?.['restartPolicy'];
  if (typeof rp === 'string' && rp !== 'Always') c.add(fieldError.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
}

/** "25%" or a non-negative integer; returns the value's meaning relative to 100 for the both-zero check. */
export function validateIntOrPercent(c: Collector, v: unknown, field: string): number | undefined {
  const x = intOrString(c, v, field);
  if (x === undefined) return undefined;
  if (typeof x === 'number') {
    if (x < 0) c.add(fieldError.invalid(field, x, 'must be greater than or equal to 0'));
    return x;
  }
  const m = /^([0-9]+)%$/.exec(x);
  if (m === null) {
    c.add(fieldError.invalid(field, x, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
    return undefined;
  }
  return Number(m[1]);
}

/** The rolling-update fenceposts of a Deployment or a DaemonSet: each an int or percent, not over 100%, not both 0. */
function validateFenceposts(c: Collector, ru: Record<string, unknown>, path: string): void {
  const mu = validateIntOrPercent(c, ru['maxUnavailable'], `${path}.maxUnavailable`);
  const ms = validateIntOrPercent(c, ru['maxSurge'], `${path}.maxSurge`);
  if (typeof ru['maxUnavailable'] === 'string' && mu !== undefined && mu > 100) {
    c.add(fieldError.invalid(`${path}.maxUnavailable`, ru['maxUnavailable'], 'must not be greater than 100%'));
  }
  if (mu === 0 && ms === 0) {
    c.add(fieldError.invalid(`${path}.maxUnavailable`, ru['maxUnavailable'], 'may not be 0 when `maxSurge` is 0'));
  }
}

/** A workload's spec, or the two errors of one without any (its selector and template are required). */
function workloadSpec(c: Collector, v: unknown): Record<string, unknown> | undefined {
  const spec = c.obj(v, 'spec');
  if (spec === undefined) c.add(fieldError.required('spec.selector'), fieldError.required('spec.template'));
  return spec;
}

/** The update strategies of DaemonSets and StatefulSets. */
const SET_STRATEGIES = ['RollingUpdate', 'OnDelete'] as const;

/** ValidateDaemonSetSpec: selector and template as a ReplicaSet's, an update strategy, its fenceposts. */
export function validateDaemonSetSpec(c: Collector, v: unknown): void {
  const spec = workloadSpec(c, v);
  if (spec === undefined) return;
  validateSelectorAndTemplate(c, spec, 'daemonset');
  nonNegative(c, spec['minReadySeconds'], 'spec.minReadySeconds');
  nonNegative(c, spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit');
  const strategy = c.obj(spec['updateStrategy'], 'spec.updateStrategy');
  const type = c.str(strategy?.['type'], 'spec.updateStrategy.type');
  if (type === 'RollingUpdate') {
    const ru = c.obj(strategy?.['rollingUpdate'], 'spec.updateStrategy.rollingUpdate');
    if (ru === undefined) c.add(fieldError.required('spec.updateStrategy.rollingUpdate'));
    else validateFenceposts(c, ru, 'spec.updateStrategy.rollingUpdate');
  } else if (type !== 'OnDelete') {
    c.add(fieldError.notSupported('spec.updateStrategy', strategy ?? {}, SET_STRATEGIES));
  }
}

const POD_MANAGEMENT = ['OrderedReady', 'Parallel'] as const;

/**
 * ValidateStatefulSetSpec: replicas, selector and template as a ReplicaSet's, a pod management policy, an
 * update strategy with a non-negative partition. volumeClaimTemplates are accepted and not acted on.
 */
export function validateStatefulSetSpec(c: Collector, v: unknown): void {
  const spec = workloadSpec(c, v);
  if (spec === undefined) return;
  nonNegative(c, spec['replicas'], 'spec.replicas');
  nonNegative(c, spec['minReadySeconds'], 'spec.minReadySeconds');
  nonNegative(c, spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit');
  c.str(spec['serviceName'], 'spec.serviceName');
  const policy = c.str(spec['podManagementPolicy'], 'spec.podManagementPolicy');
  if (policy !== undefined && !(POD_MANAGEMENT as readonly string[]).includes(policy)) c.add(fieldError.notSupported('spec.podManagementPolicy', policy, POD_MANAGEMENT));
  validateSelectorAndTemplate(c, spec, 'statefulset');
  const strategy = c.obj(spec['updateStrategy'], 'spec.updateStrategy');
  const type = c.str(strategy?.['type'], 'spec.updateStrategy.type');
  if (type !== undefined && !(SET_STRATEGIES as readonly string[]).includes(type)) c.add(fieldError.notSupported('spec.updateStrategy.type', type, SET_STRATEGIES));
  const ru = c.obj(strategy?.['rollingUpdate'], 'spec.updateStrategy.rollingUpdate');
  if (type === 'OnDelete' && ru !== undefined) c.add(fieldError.invalid('spec.updateStrategy.rollingUpdate', ru, 'only allowed for updateStrategy \'RollingUpdate\''));
  if (ru !== undefined) nonNegative(c, ru['partition'], 'spec.updateStrategy.rollingUpdate.partition');
}

export function validateDeploymentSpec(c: Collector, v: unknown): void {
  const spec = workloadSpec(c, v);
  if (spec === undefined) return;
  nonNegative(c, spec['replicas'], 'spec.replicas');
  validateSelectorAndTemplate(c, spec, 'deployment');
  const strategy = c.obj(spec['strategy'], 'spec.strategy');
  const type = c.str(strategy?.['type'], 'spec.strategy.type');
  if (type !== undefined && !(STRATEGIES as readonly string[]).includes(type)) c.add(fieldError.notSupported('spec.strategy.type', type, STRATEGIES));
  const ru = c.obj(strategy?.['rollingUpdate'], 'spec.strategy.rollingUpdate');
  if (type === 'Recreate' && ru !== undefined) {
    c.add(fieldError.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  } else if (ru !== undefined) {
    validateFenceposts(c, ru, 'spec.strategy.rollingUpdate');
  }
  nonNegative(c, spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit');
  const mrs = nonNegative(c, spec['minReadySeconds'], 'spec.minReadySeconds');
  const pds = nonNegative(c, spec['progressDeadlineSeconds'], 'spec.progressDeadlineSeconds');
  if (pds !== undefined && mrs !== undefined && pds <= mrs) {
    c.add(fieldError.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  c.bool(spec['paused'], 'spec.paused');
}

export function validateReplicaSetSpec(c: Collector, v: unknown): void {
  const spec = workloadSpec(c, v);
  if (spec === undefined) return;
  nonNegative(c, spec['replicas'], 'spec.replicas');
  nonNegative(c, spec['minReadySeconds'], 'spec.minReadySeconds');
  validateSelectorAndTemplate(c, spec, 'deployment');
}
