import { getPath, type JsonObject, type ReadonlyKubeObject } from '../object.js';
import { fieldError, type FieldError } from './field-error.js';
import { dns1123Subdomain } from './names.js';
import type { Collector } from './values.js';

/**
 * rbac.authorization.k8s.io/v1 checks, as pkg/apis/rbac/validation/validation.go makes them: Roles,
 * ClusterRoles and their bindings are named by path segment only (any name without "/" or "%", and
 * neither "." nor ".."), a rule needs verbs and either resources with API groups or non-resource URLs,
 * a binding's roleRef names a Role or ClusterRole of this group and never changes.
 */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** path.IsValidPathSegmentName (k8s.io/apimachinery/pkg/api/validation/path). */
export function pathSegmentName(name: string): readonly string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

/** Go's %#v of a []string, as field errors show a list value: []string{"a", "b"}. */
function goStrings(v: readonly string[]): string {
  return `[]string{${v.map((s) => JSON.stringify(s)).join(', ')}}`;
}

function strings(c: Collector, v: unknown, field: string): string[] {
  return c.arr(v, field).flatMap((x, i) => {
    const s = c.str(x, `${field}[${i}]`);
    return s === undefined ? [] : [s];
  });
}

/** validatePolicyRule: `namespaced` rules (a Role's) cannot name non-resource URLs. */
function validateRule(c: Collector, rule: JsonObject, namespaced: boolean, path: string): void {
  const verbs = strings(c, rule['verbs'], `${path}.verbs`);
  const apiGroups = strings(c, rule['apiGroups'], `${path}.apiGroups`);
  const resources = strings(c, rule['resources'], `${path}.resources`);
  const resourceNames = strings(c, rule['resourceNames'], `${path}.resourceNames`);
  const urls = strings(c, rule['nonResourceURLs'], `${path}.nonResourceURLs`);
  if (verbs.length === 0) c.add(fieldError.required(`${path}.verbs`, 'verbs must contain at least one value'));
  if (urls.length > 0) {
    if (namespaced) c.add(fieldError.invalidShown(`${path}.nonResourceURLs`, goStrings(urls), 'namespaced rules cannot apply to non-resource URLs'));
    if (apiGroups.length > 0 || resources.length > 0 || resourceNames.length > 0) {
      c.add(fieldError.invalidShown(`${path}.nonResourceURLs`, goStrings(urls), 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return;
  }
  if (apiGroups.length === 0) c.add(fieldError.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (resources.length === 0) c.add(fieldError.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  // The real check reports this as Required, message and all.
  if (resourceNames.length > 0 && resources.length > 1) c.add(fieldError.required(`${path}.resourceNames`, 'resource names cannot apply to multiple resources'));
}

/** ValidateRole / ValidateClusterRole, after the metadata: every rule. */
export function validateRoleRules(c: Collector, obj: JsonObject, namespaced: boolean): void {
  c.arr(obj['rules'], 'rules').forEach((r, i) => {
    const rule = c.obj(r, `rules[${i}]`);
    if (rule !== undefined) validateRule(c, rule, namespaced, `rules[${i}]`);
  });
}

function validateSubject(c: Collector, subject: JsonObject, namespaced: boolean, path: string): void {
  const name = c.str(subject['name'], `${path}.name`) ?? '';
  const kind = c.str(subject['kind'], `${path}.kind`) ?? '';
  const apiGroup = c.str(subject['apiGroup'], `${path}.apiGroup`) ?? '';
  if (name === '') c.add(fieldError.required(`${path}.name`));
  switch (kind) {
    case 'ServiceAccount':
      if (name !== '') c.syntax(`${path}.name`, name, dns1123Subdomain(name));
      if (apiGroup !== '') c.add(fieldError.notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && (c.str(subject['namespace'], `${path}.namespace`) ?? '') === '') c.add(fieldError.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (name === '') c.add(fieldError.invalid(`${path}.name`, name, `${kind === 'User' ? 'user' : 'group'} name cannot be empty`));
      if (apiGroup !== RBAC_GROUP) c.add(fieldError.notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      c.add(fieldError.notSupported(`${path}.kind`, kind, ['ServiceAccount', 'User', 'Group']));
  }
}

/** ValidateRoleBinding / ValidateClusterRoleBinding, after the metadata: the roleRef and every subject. */
export function validateBinding(c: Collector, obj: JsonObject, namespaced: boolean): void {
  const ref = c.obj(obj['roleRef'], 'roleRef') ?? {};
  const apiGroup = c.str(ref['apiGroup'], 'roleRef.apiGroup') ?? '';
  const kind = c.str(ref['kind'], 'roleRef.kind') ?? '';
  const name = c.str(ref['name'], 'roleRef.name') ?? '';
  if (apiGroup !== RBAC_GROUP) c.add(fieldError.notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(kind)) c.add(fieldError.notSupported('roleRef.kind', kind, kinds));
  if (name === '') c.add(fieldError.required('roleRef.name'));
  else c.syntax('roleRef.name', name, pathSegmentName(name));
  c.arr(obj['subjects'], 'subjects').forEach((s, i) => {
    const subject = c.obj(s, `subjects[${i}]`);
    if (subject !== undefined) validateSubject(c, subject, namespaced, `subjects[${i}]`);
  });
}

/** ValidateRoleBindingUpdate's extra rule: the roleRef is fixed once created (delete and recreate to change it). */
export function bindingRoleRefUpdate(obj: JsonObject, old: ReadonlyKubeObject): FieldError[] {
  const ref = (o: unknown): string[] => ['apiGroup', 'kind', 'name'].map((k) => {
    const v = getPath(o, ['roleRef', k]);
    return typeof v === 'string' ? v : '';
  });
  const now = ref(obj);
  const before = ref(old);
  if (now.every((v, i) => v === before[i])) return [];
  const [g = '', k = '', n = ''] = now;
  // Go prints the internal struct with %#v.
  return [fieldError.invalidShown('roleRef', `rbac.RoleRef{APIGroup:${JSON.stringify(g)}, Kind:${JSON.stringify(k)}, Name:${JSON.stringify(n)}}`, 'cannot change roleRef')];
}
