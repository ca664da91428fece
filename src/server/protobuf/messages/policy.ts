import type { MessageTable } from '../schema.js';

/**
 * Field tables (policy/v1) in the notation of schema.ts, read from k8s.io/api policy/v1/generated.proto and types.go:
 * the Eviction that `kubectl drain` posts to pods/<name>/eviction through its typed client, and the
 * PodDisruptionBudget `kubectl create poddisruptionbudget` sends.
 */
export const POLICY_MESSAGES = {
  Eviction: {
    1: 'metadata:ObjectMeta',
    2: 'deleteOptions:DeleteOptions',
  },
  PodDisruptionBudget: {
    1: 'metadata:ObjectMeta',
    2: 'spec:PodDisruptionBudgetSpec',
    3: 'status:PodDisruptionBudgetStatus',
  },
  PodDisruptionBudgetSpec: {
    1: 'minAvailable:IntOrString',
    2: 'selector:LabelSelector',
    3: 'maxUnavailable:IntOrString',
    4: 'unhealthyPodEvictionPolicy:string?',
  },
  // disruptionsAllowed .. expectedPods have no omitempty: a zero is still sent and kept.
  PodDisruptionBudgetStatus: {
    1: 'observedGeneration:int64',
    2: 'disruptedPods:map<Time>',
    3: 'disruptionsAllowed:int32!',
    4: 'currentHealthy:int32!',
    5: 'desiredHealthy:int32!',
    6: 'expectedPods:int32!',
    7: 'conditions:[]Condition',
  },
} as const satisfies MessageTable;
