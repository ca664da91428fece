import type { CowObject } from './cow.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * SetDefaults_RoleBinding / _ClusterRoleBinding and SetDefaults_Subject (pkg/apis/rbac/v1/defaults.go):
 * an empty roleRef.apiGroup is RBAC's own group, an empty subject apiGroup is RBAC's for a User or Group
 * and stays "" for a ServiceAccount (a core object). Go tests for emptiness, so "" is filled in too.
 */
export function defaultBinding(root: CowObject): void {
  const ref = root.child('roleRef');
  if (isEmpty(ref.get('apiGroup'))) ref.set('apiGroup', RBAC_GROUP);
  for (const s of root.items('subjects')) {
    const kind = s.get('kind');
    if (isEmpty(s.get('apiGroup')) && (kind === 'User' || kind === 'Group')) s.set('apiGroup', RBAC_GROUP);
  }
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}
