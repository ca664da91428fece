/**
 * The strategic-merge metadata of the built-in types kubewire serves: which lists merge by which key
 * (the `patchStrategy:"merge" patchMergeKey:"..."` struct tags of k8s.io/api), which primitive lists
 * merge as sets, and which maps use `retainKeys`. Anything not listed is a plain map (merged key by
 * key) or an atomic list (replaced), which is what SMP does for untagged fields.
 */
export type PatchSchema =
  | { readonly t: 'map'; readonly fields: Readonly<Record<string, PatchSchema>>; readonly retainKeys?: boolean }
  | { readonly t: 'list'; readonly mergeKey: string; readonly item?: PatchSchema }
  | { readonly t: 'set' };

const map = (fields: Record<string, PatchSchema>, retainKeys = false): PatchSchema => ({ t: 'map', fields, ...(retainKeys ? { retainKeys } : {}) });
const list = (mergeKey: string, item?: PatchSchema): PatchSchema => ({ t: 'list', mergeKey, ...(item === undefined ? {} : { item }) });
const set: PatchSchema = { t: 'set' };

const objectMeta = map({ finalizers: set, ownerReferences: list('uid') });

const container = map({
  ports: list('containerPort'),
  env: list('name'),
  volumeMounts: list('mountPath'),
  volumeDevices: list('devicePath'),
});

const podSpec = map({
  containers: list('name', container),
  initContainers: list('name', container),
  ephemeralContainers: list('name', container),
  volumes: list('name', map({}, true)),
  imagePullSecrets: list('name'),
  hostAliases: list('ip'),
  schedulingGates: list('name'),
  resourceClaims: list('name'),
});

const podTemplate = map({ metadata: objectMeta, spec: podSpec });
const conditions = list('type');

export const PATCH_SCHEMAS: Readonly<Record<string, PatchSchema>> = {
  Pod: map({
    metadata: objectMeta,
    spec: podSpec,
    status: map({ conditions, podIPs: list('ip'), hostIPs: list('ip') }),
  }),
  Service: map({ metadata: objectMeta, spec: map({ ports: list('port') }) }),
  Deployment: map({
    metadata: objectMeta,
    spec: map({ template: podTemplate, strategy: map({}, true) }),
    status: map({ conditions }),
  }),
  ReplicaSet: map({ metadata: objectMeta, spec: map({ template: podTemplate }), status: map({ conditions }) }),
  Node: map({
    metadata: objectMeta,
    spec: map({ podCIDRs: set }),
    status: map({ conditions, addresses: list('type') }),
  }),
  Namespace: map({ metadata: objectMeta, status: map({ conditions }) }),
};

export const DEFAULT_PATCH_SCHEMA: PatchSchema = map({ metadata: objectMeta });

export function patchSchemaFor(kind: string): PatchSchema {
  return PATCH_SCHEMAS[kind] ?? DEFAULT_PATCH_SCHEMA;
}

/** The schema of a field of a map schema, or undefined (plain map / atomic list). */
export function fieldSchema(s: PatchSchema | undefined, field: string): PatchSchema | undefined {
  return s?.t === 'map' ? s.fields[field] : undefined;
}
