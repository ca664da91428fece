import type { MessageTable } from '../schema.js';

/**
 * Field tables (rbac.authorization.k8s.io/v1) in the notation of schema.ts, read from
 * k8s.io/api rbac/v1/generated.proto and types.go: what `kubectl create role|clusterrole|rolebinding|
 * clusterrolebinding` sends through its typed clients.
 */
export const RBAC_MESSAGES = {
  Role: {
    1: 'metadata:ObjectMeta',
    2: 'rules:[]PolicyRule',
  },
  ClusterRole: {
    1: 'metadata:ObjectMeta',
    2: 'rules:[]PolicyRule',
    3: 'aggregationRule:AggregationRule',
  },
  RoleBinding: {
    1: 'metadata:ObjectMeta',
    2: 'subjects:[]Subject',
    3: 'roleRef:RoleRef',
  },
  ClusterRoleBinding: {
    1: 'metadata:ObjectMeta',
    2: 'subjects:[]Subject',
    3: 'roleRef:RoleRef',
  },
  PolicyRule: {
    1: 'verbs:[]string',
    2: 'apiGroups:[]string',
    3: 'resources:[]string',
    4: 'resourceNames:[]string',
    5: 'nonResourceURLs:[]string',
  },
  AggregationRule: {
    1: 'clusterRoleSelectors:[]LabelSelector',
  },
  Subject: {
    1: 'kind:string!',
    2: 'apiGroup:string',
    3: 'name:string!',
    4: 'namespace:string',
  },
  RoleRef: {
    1: 'apiGroup:string!',
    2: 'kind:string!',
    3: 'name:string!',
  },
} as const satisfies MessageTable;

/**
 * authorization.k8s.io/v1 (generated.proto): the SelfSubjectAccessReview `kubectl auth can-i` posts.
 */
export const AUTHORIZATION_MESSAGES = {
  SelfSubjectAccessReview: {
    1: 'metadata:ObjectMeta',
    2: 'spec:SelfSubjectAccessReviewSpec',
    3: 'status:SubjectAccessReviewStatus',
  },
  SelfSubjectAccessReviewSpec: {
    1: 'resourceAttributes:ResourceAttributes',
    2: 'nonResourceAttributes:NonResourceAttributes',
  },
  ResourceAttributes: {
    1: 'namespace:string',
    2: 'verb:string',
    3: 'group:string',
    4: 'version:string',
    5: 'resource:string',
    6: 'subresource:string',
    7: 'name:string',
    8: 'fieldSelector:FieldSelectorAttributes',
    9: 'labelSelector:LabelSelectorAttributes',
  },
  FieldSelectorAttributes: {
    1: 'rawSelector:string',
    2: 'requirements:[]FieldSelectorRequirement',
  },
  FieldSelectorRequirement: {
    1: 'key:string!',
    2: 'operator:string!',
    3: 'values:[]string',
  },
  LabelSelectorAttributes: {
    1: 'rawSelector:string',
    2: 'requirements:[]LabelSelectorRequirement',
  },
  NonResourceAttributes: {
    1: 'path:string',
    2: 'verb:string',
  },
  SubjectAccessReviewStatus: {
    1: 'allowed:bool!',
    2: 'reason:string',
    3: 'evaluationError:string',
    4: 'denied:bool',
  },
} as const satisfies MessageTable;
