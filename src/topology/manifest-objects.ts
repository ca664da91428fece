import { InputError } from '../lib/index.js';
import { checkDns1035Label, checkDns1123Label, checkDns1123Subdomain, checkLabelKey, checkLabelValue } from './names.js';
import type { ManifestObject, ManifestSource } from './types.js';
import { parseYamlStream } from './yaml.js';

/** The kinds kubewire understands, with the only group/version each is served at. */
export const SUPPORTED_KINDS = {
  ConfigMap: 'v1',
  DaemonSet: 'apps/v1',
  Deployment: 'apps/v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  Endpoints: 'v1',
  Namespace: 'v1',
  Pod: 'v1',
  ReplicaSet: 'apps/v1',
  Service: 'v1',
  StatefulSet: 'apps/v1',
} as const satisfies Record<string, string>;

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
    failAt('KW_TOPOLOGY_UNSUPPORTED_KIND', source, `${base}/kind`, `kind "${kind}" is not supported; supported kinds: ${Object.keys(SUPPORTED_KINDS).join(', ')}`);
  }
  const served = SUPPORTED_KINDS[kind];
  if (apiVersion !== served) {
    // kubectl's wording when the REST mapping fails, plus the version that would work.
    failAt('KW_TOPOLOGY_UNSUPPORTED_KIND', source, `${base}/apiVersion`, `no matches for kind "${kind}" in version "${apiVersion}" (${kind} is served at ${served})`);
  }

  // Service names become DNS labels and rule comments; Namespaces are labels; everything else a subdomain.
  const badName = kind === 'Service' ? checkDns1035Label(name) : kind === 'Namespace' ? checkDns1123Label(name) : checkDns1123Subdomain(name);
  if (badName !== undefined) fail('/metadata/name', `${kind} "${name}" is invalid: ${badName}`);

  const ns = metadata['namespace'];
  if (ns !== undefined && (typeof ns !== 'string' || checkDns1123Label(ns) !== undefined)) {
    fail('/metadata/namespace', `invalid namespace ${JSON.stringify(ns)}: ${typeof ns === 'string' ? (checkDns1123Label(ns) ?? '') : 'must be a string'}`);
  }
  checkLabels(metadata['labels'], (p, m) => fail(`/metadata/labels${p}`, m));

  const meta: Record<string, unknown> = { ...metadata, name };
  if (kind !== 'Namespace' && ns === undefined) meta['namespace'] = 'default';
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
