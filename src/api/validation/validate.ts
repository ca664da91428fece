import type { ResourceType } from '../resources.js';
import { getPath, jsonEqual, type KubeObject } from '../object.js';
import { fieldError, type FieldError } from './field-error.js';
import { validateObjectMeta, type NameCheck } from './meta.js';
import { dns1035Label, dns1123Label, dns1123Subdomain } from './names.js';
import { validateEndpoints, validateEndpointSlice, validateNodeSpec } from './other.js';
import { validatePodSpec } from './pod.js';
import { DEFAULT_NODE_PORT_RANGE, validateServiceSpec, type ServiceValidationOptions } from './service.js';
import { Collector } from './values.js';
import { validateDeploymentSpec, validateReplicaSetSpec } from './workload.js';

export type ValidationOptions = ServiceValidationOptions;
export const DEFAULT_VALIDATION_OPTIONS: ValidationOptions = { nodePortRange: DEFAULT_NODE_PORT_RANGE };

/** The name rule each kind's strategy applies (ValidateNamespaceName, ValidateServiceName, ...). */
const NAME_CHECK: Readonly<Record<string, NameCheck>> = {
  Namespace: dns1123Label,
  Service: dns1035Label,
  Event: () => [],
};

/**
 * All field errors of an object about to be stored (after defaulting). `old` is the stored object on
 * update: immutable fields are compared against it. An empty result means the object may be stored.
 */
export function validateObject(r: ResourceType, obj: KubeObject, old?: KubeObject, opts: ValidationOptions = DEFAULT_VALIDATION_OPTIONS): FieldError[] {
  const c = new Collector();
  validateObjectMeta(c, obj.metadata, { namespaced: r.namespaced, nameCheck: NAME_CHECK[r.kind] ?? dns1123Subdomain });
  switch (r.kind) {
    case 'Pod':
      validatePodSpec(c, obj['spec'], 'spec');
      break;
    case 'Service':
      validateServiceSpec(c, obj['spec'], opts);
      break;
    case 'Deployment':
      validateDeploymentSpec(c, obj['spec']);
      break;
    case 'ReplicaSet':
      validateReplicaSetSpec(c, obj['spec']);
      break;
    case 'Node':
      validateNodeSpec(c, obj['spec']);
      break;
    case 'Endpoints':
      validateEndpoints(c, obj);
      break;
    case 'EndpointSlice':
      validateEndpointSlice(c, obj);
      break;
    default:
      break;
  }
  if (old !== undefined) c.add(...validateUpdate(r, obj, old));
  return c.errors;
}

const IMMUTABLE: Readonly<Record<string, readonly string[][]>> = {
  Deployment: [['spec', 'selector']],
  ReplicaSet: [['spec', 'selector']],
  EndpointSlice: [['addressType']],
};

/** Pod spec fields an update may change (ValidatePodUpdate); everything else is fixed once created. */
function mutablePodSpecView(spec: unknown): unknown {
  const s = structuredClone(spec) as Record<string, unknown> | undefined;
  if (s === undefined || s === null || typeof s !== 'object') return s;
  for (const list of ['containers', 'initContainers']) {
    const l = s[list];
    if (Array.isArray(l)) for (const ctr of l) if (ctr !== null && typeof ctr === 'object') delete (ctr as Record<string, unknown>)['image'];
  }
  delete s['activeDeadlineSeconds'];
  delete s['tolerations'];
  delete s['terminationGracePeriodSeconds'];
  return s;
}

function validateUpdate(r: ResourceType, obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const path of IMMUTABLE[r.kind] ?? []) {
    const now = getPath(obj, path);
    if (!jsonEqual(now, getPath(old, path))) errs.push(fieldError.invalid(path.join('.'), now, 'field is immutable'));
  }
  if (r.kind === 'Pod' && !jsonEqual(mutablePodSpecView(obj['spec']), mutablePodSpecView(old['spec']))) {
    errs.push(
      fieldError.forbidden(
        'spec',
        'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
      ),
    );
  }
  if (r.kind === 'Service') {
    const oldIp = getPath(old, ['spec', 'clusterIP']);
    const newIp = getPath(obj, ['spec', 'clusterIP']);
    const toExternalName = getPath(obj, ['spec', 'type']) === 'ExternalName';
    if (typeof oldIp === 'string' && oldIp !== '' && newIp !== oldIp && !toExternalName) {
      errs.push(fieldError.invalid('spec.clusterIP', newIp ?? '', 'field is immutable'));
    }
  }
  return errs;
}
