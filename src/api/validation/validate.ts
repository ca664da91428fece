import { qualifiedKind, type ResourceType } from '../resources.js';
import { getPath, isJsonObject, jsonEqual, type KubeObject, type ReadonlyKubeObject } from '../object.js';
import { fieldError, fieldErrorText, type FieldError } from './field-error.js';
import { validateObjectMeta, type NameCheck } from './meta.js';
import { dns1035Label, dns1123Label, dns1123Subdomain } from './names.js';
import { validateConfigMap, validateImmutablePayload, validateSecret } from './config-data.js';
import { validateLeaseSpec } from './lease.js';
import { validateEndpoints, validateEndpointSlice, validateNodeSpec } from './other.js';
import { validateIngress, validateIngressClass, validateIngressClassAnnotation } from './ingress.js';
import { validatePodDisruptionBudgetSpec } from './pdb.js';
import { validatePodSpec } from './pod.js';
import { bindingRoleRefUpdate, pathSegmentName, validateBinding, validateRoleRules } from './rbac.js';
import { DEFAULT_NODE_PORT_RANGE, validateServiceSpec, type ServiceValidationOptions } from './service.js';
import { Collector } from './values.js';
import { validateDaemonSetSpec, validateDeploymentSpec, validateReplicaSetSpec, validateStatefulSetSpec } from './workload.js';

export type ValidationOptions = ServiceValidationOptions;
export const DEFAULT_VALIDATION_OPTIONS: ValidationOptions = { nodePortRange: DEFAULT_NODE_PORT_RANGE };

/** The name rule each kind's strategy applies (ValidateNamespaceName, ValidateServiceName, ...). */
const NAME_CHECK: Readonly<Record<string, NameCheck>> = {
  Namespace: dns1123Label,
  Service: dns1035Label,
  Event: () => [],
  // RBAC's minimalNameRequirements: a path segment, so "system:controller:x" is a valid name.
  Role: pathSegmentName,
  ClusterRole: pathSegmentName,
  RoleBinding: pathSegmentName,
  ClusterRoleBinding: pathSegmentName,
};

/**
 * All field errors of an object about to be stored (after defaulting). `old` is the stored object on
 * update: immutable fields are compared against it. An empty result means the object may be stored.
 */
export function validateObject(r: ResourceType, obj: KubeObject, old?: ReadonlyKubeObject, opts: ValidationOptions = DEFAULT_VALIDATION_OPTIONS): FieldError[] {
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
    case 'DaemonSet':
      validateDaemonSetSpec(c, obj['spec']);
      break;
    case 'StatefulSet':
      validateStatefulSetSpec(c, obj['spec']);
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
    case 'ConfigMap':
      validateConfigMap(c, obj);
      break;
    case 'Secret':
      validateSecret(c, obj);
      break;
    case 'Lease':
      validateLeaseSpec(c, obj['spec']);
      break;
    case 'PodDisruptionBudget':
      validatePodDisruptionBudgetSpec(c, obj['spec']);
      break;
    case 'Ingress':
      validateIngress(c, obj);
      if (old === undefined) validateIngressClassAnnotation(c, obj, obj.metadata.annotations);
      break;
    case 'IngressClass':
      validateIngressClass(c, obj);
      break;
    case 'Role':
    case 'ClusterRole':
      validateRoleRules(c, obj, r.namespaced);
      break;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      validateBinding(c, obj, r.namespaced);
      break;
    default:
      break;
  }
  if (old !== undefined) c.add(...validateUpdate(r, obj, old));
  return c.errors;
}

/** The real server's 422 message: `Secret "x" is invalid: data[k]: …`, several errors listed in brackets. */
export function invalidObjectMessage(r: ResourceType, name: string, errs: readonly FieldError[]): string {
  const texts = errs.map(fieldErrorText);
  const list = texts.length === 1 ? (texts[0] ?? '') : `[${texts.join(', ')}]`;
  return `${qualifiedKind(r)} "${name}" is invalid: ${list}`;
}

const IMMUTABLE: Readonly<Record<string, readonly string[][]>> = {
  Deployment: [['spec', 'selector']],
  ReplicaSet: [['spec', 'selector']],
  DaemonSet: [['spec', 'selector']],
  StatefulSet: [['spec', 'selector']],
  EndpointSlice: [['addressType']],
  Secret: [['type']],
  IngressClass: [['spec', 'controller']],
};

/** Pod spec fields an update may change (ValidatePodUpdate); everything else is fixed once created. */
const POD_MUTABLE = new Set(['activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds']);

/** jsonEqual of two values with the named keys of the top level left out. */
function equalExcept(a: unknown, b: unknown, skip: (k: string) => boolean, inner: (k: string, x: unknown, y: unknown) => boolean): boolean {
  if (a === b) return true;
  if (!isJsonObject(a) || !isJsonObject(b)) return jsonEqual(a, b);
  const keys = (o: Record<string, unknown>): string[] => Object.keys(o).filter((k) => o[k] !== undefined && !skip(k));
  const ka = keys(a);
  const kb = keys(b);
  return ka.length === kb.length && ka.every((k) => inner(k, a[k], b[k]));
}

/** Whether two pod specs differ only in the fields an update may change (compared in place, nothing copied). */
function podSpecsEqualIgnoringMutable(a: unknown, b: unknown): boolean {
  const noImage = (x: unknown, y: unknown): boolean =>
    equalExcept(x, y, (k) => k === 'image', (_k, p, q) => jsonEqual(p, q));
  const containers = (x: unknown, y: unknown): boolean =>
    Array.isArray(x) && Array.isArray(y) ? x.length === y.length && x.every((c, i) => noImage(c, y[i])) : jsonEqual(x, y);
  return equalExcept(a, b, (k) => POD_MUTABLE.has(k), (k, x, y) => (k === 'containers' || k === 'initContainers' ? containers(x, y) : jsonEqual(x, y)));
}

function validateUpdate(r: ResourceType, obj: KubeObject, old: ReadonlyKubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const path of IMMUTABLE[r.kind] ?? []) {
    const now = getPath(obj, path);
    if (!jsonEqual(now, getPath(old, path))) errs.push(fieldError.invalid(path.join('.'), now, 'field is immutable'));
  }
  if (r.kind === 'Pod' && !podSpecsEqualIgnoringMutable(obj['spec'], old['spec'])) {
    errs.push(
      fieldError.forbidden(
        'spec',
        'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
      ),
    );
  }
  if (r.kind === 'ConfigMap' || r.kind === 'Secret') errs.push(...validateImmutablePayload(r.kind, obj, old));
  if (r.kind === 'RoleBinding' || r.kind === 'ClusterRoleBinding') errs.push(...bindingRoleRefUpdate(obj, old));
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
