/**
 * The resource types kubewire serves, with the names discovery publishes (plural, singular, short
 * names, categories), as the real API server's resource lists show them for v1.32.
 */
export type Subresource = 'status' | 'scale' | 'eviction';

export interface ResourceType {
  readonly group: string; // '' for the core (legacy) group
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly subresources: readonly Subresource[];
  /** metadata.generation is maintained (set to 1 on create, bumped when spec changes). */
  readonly hasGeneration: boolean;
}

const VERBS_ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

export const RESOURCE_VERBS: readonly string[] = VERBS_ALL;

function rt(r: Omit<ResourceType, 'categories' | 'subresources' | 'hasGeneration' | 'shortNames'> & Partial<ResourceType>): ResourceType {
  return {
    shortNames: [],
    categories: [],
    subresources: [],
    hasGeneration: false,
    ...r,
  };
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  rt({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'], subresources: ['status'] }),
  rt({ group: '', version: 'v1', kind: 'Node', plural: 'nodes', singular: 'node', namespaced: false, shortNames: ['no'], subresources: ['status'] }),
  rt({ group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: ['status', 'eviction'] }),
  rt({ group: '', version: 'v1', kind: 'Service', plural: 'services', singular: 'service', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: ['status'] }),
  rt({ group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'] }),
  rt({ group: '', version: 'v1', kind: 'Event', plural: 'events', singular: 'event', namespaced: true, shortNames: ['ev'] }),
  rt({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'] }),
  rt({ group: '', version: 'v1', kind: 'Secret', plural: 'secrets', singular: 'secret', namespaced: true }),
  rt({ group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', singular: 'serviceaccount', namespaced: true, shortNames: ['sa'] }),
  rt({ group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', singular: 'daemonset', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: ['status'], hasGeneration: true }),
  rt({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', singular: 'deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'], hasGeneration: true }),
  rt({ group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'], hasGeneration: true }),
  rt({ group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', singular: 'statefulset', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'], hasGeneration: true }),
  // Groups are listed in this order, which is the real server's priority order (apps, networking, policy, rbac, coordination, discovery).
  // Ingresses and IngressClasses are stored and validated; there is no ingress controller (as in a cluster without one installed).
  rt({ group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', plural: 'ingressclasses', singular: 'ingressclass', namespaced: false, hasGeneration: true }),
  rt({ group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', singular: 'ingress', namespaced: true, shortNames: ['ing'], subresources: ['status'], hasGeneration: true }),
  rt({ group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', singular: 'poddisruptionbudget', namespaced: true, shortNames: ['pdb'], subresources: ['status'], hasGeneration: true }),
  // RBAC objects are stored and served, not enforced: kubewire's server authorizes every request (AlwaysAllow).
  rt({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', singular: 'clusterrolebinding', namespaced: false }),
  rt({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', singular: 'clusterrole', namespaced: false }),
  rt({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', singular: 'rolebinding', namespaced: true }),
  rt({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', singular: 'role', namespaced: true }),
  rt({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', singular: 'lease', namespaced: true }),
  rt({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', singular: 'endpointslice', namespaced: true }),
];

export function groupVersion(r: { group: string; version: string }): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** Looks a resource up by group and plural name, as a REST path names it. */
export function resourceByPlural(group: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => r.group === group && r.plural === plural);
}

/**
 * A resource this server is built to serve (the code names it, no request does): its absence from the registry is a
 * programming error, thrown at once, not a value every caller must check.
 */
export function registeredResource(group: string, plural: string): ResourceType {
  const r = resourceByPlural(group, plural);
  if (r === undefined) throw new Error(`resource ${plural}${group === '' ? '' : `.${group}`} missing from the registry`);
  return r;
}

/** Looks a resource up by apiVersion and kind, as an object's envelope names it. */
export function resourceByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => groupVersion(r) === apiVersion && r.kind === kind);
}

/** The key used in messages: "deployments.apps", "pods" (as the Status details' group+kind show it). */
export function qualifiedKind(r: ResourceType): string {
  return r.group === '' ? r.kind : `${r.kind}.${r.group}`;
}

export function qualifiedResource(r: ResourceType): string {
  // Asked on every store and informer access: the registry's types keep their name once made.
  let q = qualifiedNames.get(r);
  if (q === undefined) {
    q = r.group === '' ? r.plural : `${r.plural}.${r.group}`;
    qualifiedNames.set(r, q);
  }
  return q;
}

const qualifiedNames = new WeakMap<ResourceType, string>();
