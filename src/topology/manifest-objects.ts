import { InputError } from '../lib/index.js';
import { checkDns1035Label, checkDns1123Label, checkDns1123Subdomain, checkLabelKey, checkLabelValue } from './names.js';
import type { ManifestObject, ManifestSource } from './types.js';
import { parseYamlStream } from './yaml.js';

/** The kinds kubewire understands, with the only group/version each is served at. */
export const SUPPORTED_KINDS = {
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
  ConfigMap: 'v1',
  DaemonSet: 'apps/v1',
  Deployment: 'apps/v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  Endpoints: 'v1',
  Ingress: 'networking.k8s.io/v1',
  IngressClass: 'networking.k8s.io/v1',
  Namespace: 'v1',
  Pod: 'v1',
  PodDisruptionBudget: 'policy/v1',
  ReplicaSet: 'apps/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
  Secret: 'v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  StatefulSet: 'apps/v1',
} as const satisfies Record<string, string>;

/**
 * Kinds with no part in the data plane that a topology may still carry, because real application manifests do:
 * the static build keeps them and builds nothing from them, and `kubewire serve` creates them through its API
 * server. They are checked as that server checks them (manifest-api-checks.ts), names included, so a file that
 * `kubewire trace` accepts is one that `kubewire serve` accepts too.
 */
export const API_ONLY_KINDS: ReadonlySet<string> = new Set<SupportedKind>([
  'ClusterRole',
  'ClusterRoleBinding',
  'ConfigMap',
  'Ingress',
  'IngressClass',
  'PodDisruptionBudget',
  'Role',
  'RoleBinding',
  'Secret',
  'ServiceAccount',
]);

/** Kinds that live outside any namespace: a namespace written on one is dropped, as the API server drops it. */
const CLUSTER_SCOPED: ReadonlySet<string> = new Set<SupportedKind>(['ClusterRole', 'ClusterRoleBinding', 'IngressClass', 'Namespace']);

/**
 * Kinds users' manifests often hold that kubewire does not model, and why: the error says so instead of only
 * listing what is supported.
 */
const UNMODELLED_KINDS: Readonly<Record<string, string>> = {
  NetworkPolicy: 'kubewire does not enforce NetworkPolicy, so every trace would show as delivered traffic that a policy-enforcing CNI drops; remove it to trace without policies',
  Job: 'no Job controller runs, so no pod would be made for it; write its pod as a Pod to trace it',
  CronJob: 'no CronJob controller runs, so no pod would be made for it; write its pod as a Pod to trace it',
  HorizontalPodAutoscaler: 'kubewire has no metrics, so it would never scale; the Deployment\'s replicas are what runs',
  PersistentVolumeClaim: 'kubewire has no storage, and volumes play no part in pod networking; remove it',
  PersistentVolume: 'kubewire has no storage, and volumes play no part in pod networking; remove it',
  StorageClass: 'kubewire has no storage, and volumes play no part in pod networking; remove it',
  CustomResourceDefinition: 'kubewire serves only built-in kinds',
};

export type SupportedKind = keyof typeof SUPPORTED_KINDS;

export function isSupportedKind(kind: string): kind is SupportedKind {
  return Object.hasOwn(SUPPORTED_KINDS, kind);
}

/** A manifest object with where it came from and the JSON path prefix of the object in its document. */
export interface LocatedObject {
  readonly object: ManifestObject;
  readonly source: ManifestSource;
  /** `''` for a top-level object, `/items/3` for an item of a `kind: List`. */
  readonly base: string;
}

/** `demo-app.yaml (document 2)` or `demo-app.yaml (document 2, item 3)`: how errors name an object. */
export function describeSource(s: ManifestSource): string {
  return s.item === undefined ? `${s.file} (document ${s.document})` : `${s.file} (document ${s.document}, item ${s.item})`;
}

/** Throws an InputError at `file (document n): /json/path`. */
export function failAt(code: string, s: ManifestSource, path: string, message: string): never {
  throw new InputError(code, message, { where: `${describeSource(s)}: ${path === '' ? '/' : path}` });
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a multi-document manifest file as `kubectl apply -f` does: empty documents are skipped,
 * `kind: List` is expanded into its items, and every object must carry apiVersion, kind and
 * metadata.name. Objects without a namespace get "default", as the API server gives them.
 */
export function parseManifestText(text: string, file: string): LocatedObject[] {
  const out: LocatedObject[] = [];
  for (const { document, value } of parseYamlStream(text, file)) {
    if (value === null || value === undefined) continue;
    const source: ManifestSource = { file, document };
    if (isRecord(value) && value['kind'] === 'List') {
      const items = value['items'];
      if (!Array.isArray(items)) failAt('KW_TOPOLOGY_INVALID_MANIFEST', source, '/items', 'a List must have an "items" array');
      items.forEach((item: unknown, i) => {
        out.push(checkObject(item, { file, document, item: i }, `/items/${i}`));
      });
      continue;
    }
    out.push(checkObject(value, source, ''));
  }
  return out;
}

function checkObject(v: unknown, source: ManifestSource, base: string): LocatedObject {
  const fail = (path: string, message: string): never => failAt('KW_TOPOLOGY_INVALID_MANIFEST', source, base + path, message);
  if (!isRecord(v)) return fail('', 'a Kubernetes object must be a mapping with apiVersion, kind and metadata');
  const { apiVersion, kind, metadata } = v;
  if (typeof apiVersion !== 'string' || apiVersion === '') return fail('/apiVersion', 'missing required field "apiVersion"');
  if (typeof kind !== 'string' || kind === '') return fail('/kind', 'missing required field "kind"');
  if (!isRecord(metadata)) return fail('/metadata', 'missing required field "metadata"');
  const name = metadata['name'];
  if (typeof name !== 'string' || name === '') return fail('/metadata/name', 'missing required field "metadata.name"');

  if (!isSupportedKind(kind)) {
    const why = Object.hasOwn(UNMODELLED_KINDS, kind) ? ` (${UNMODELLED_KINDS[kind] ?? ''})` : '';
    failAt('KW_TOPOLOGY_UNSUPPORTED_KIND', source, `${base}/kind`, `kind "${kind}" is not supported${why}; supported kinds: ${Object.keys(SUPPORTED_KINDS).join(', ')}`);
  }
  const served = SUPPORTED_KINDS[kind];
  if (apiVersion !== served) {
    // kubectl's wording when the REST mapping fails, plus the version that would work.
    failAt('KW_TOPOLOGY_UNSUPPORTED_KIND', source, `${base}/apiVersion`, `no matches for kind "${kind}" in version "${apiVersion}" (${kind} is served at ${served})`);
  }

  // Service names become DNS labels and rule comments; Namespaces are labels; everything else a subdomain. The
  // API-only kinds' names are checked with the rest of them, by the API server's own rules (RBAC's are path segments).
  if (!API_ONLY_KINDS.has(kind)) {
    const badName = kind === 'Service' ? checkDns1035Label(name) : kind === 'Namespace' ? checkDns1123Label(name) : checkDns1123Subdomain(name);
    if (badName !== undefined) fail('/metadata/name', `${kind} "${name}" is invalid: ${badName}`);
  }

  const clusterScoped = CLUSTER_SCOPED.has(kind);
  const ns = clusterScoped ? undefined : metadata['namespace'];
  if (ns !== undefined && (typeof ns !== 'string' || checkDns1123Label(ns) !== undefined)) {
    fail('/metadata/namespace', `invalid namespace ${JSON.stringify(ns)}: ${typeof ns === 'string' ? (checkDns1123Label(ns) ?? '') : 'must be a string'}`);
  }
  checkLabels(metadata['labels'], (p, m) => fail(`/metadata/labels${p}`, m));

  const meta: Record<string, unknown> = { ...metadata, name };
  if (clusterScoped) delete meta['namespace'];
  else if (ns === undefined) meta['namespace'] = 'default';
  if (meta['labels'] === null) delete meta['labels']; // `labels:` with nothing under it means none
  const object = { ...v, apiVersion, kind, metadata: meta } as ManifestObject;
  return { object, source, base };
}

/** Labels are a map of strings: YAML `version: 1` is a number and the API server rejects it. */
export function checkLabels(labels: unknown, fail: (path: string, message: string) => never): void {
  if (labels === undefined || labels === null) return;
  if (!isRecord(labels)) fail('', 'labels must be a map of strings');
  for (const [k, val] of Object.entries(labels)) {
    const at = `/${pointerToken(k)}`;
    if (typeof val !== 'string') fail(at, `label ${k} must be a string, got ${JSON.stringify(val)} (quote it in YAML)`);
    const bad = checkLabelKey(k) ?? checkLabelValue(val);
    if (bad !== undefined) fail(at, `invalid label ${k}=${val}: ${bad}`);
  }
}

/** Escapes a key for a JSON pointer (RFC 6901): `app.kubernetes.io/name` → `app.kubernetes.io~1name`. */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
