import type { MessageTable } from '../schema.js';

/**
 * Field tables (apps/v1) in the notation of schema.ts, read from
 * k8s.io/api apps/v1/generated.proto: Deployment and ReplicaSet.
 */
export const APPS_MESSAGES = {
  Deployment: {
    1: 'metadata:ObjectMeta',
    2: 'spec:DeploymentSpec',
    3: 'status:DeploymentStatus',
  },
  ReplicaSet: {
    1: 'metadata:ObjectMeta',
    2: 'spec:ReplicaSetSpec',
    3: 'status:ReplicaSetStatus',
  },
  DeploymentSpec: {
    1: 'replicas:int32?',
    2: 'selector:LabelSelector',
    3: 'template:PodTemplateSpec',
    4: 'strategy:DeploymentStrategy',
    5: 'minReadySeconds:int32',
    6: 'revisionHistoryLimit:int32?',
    7: 'paused:bool',
    9: 'progressDeadlineSeconds:int32?',
  },
  DeploymentStatus: {
    1: 'observedGeneration:int64',
    2: 'replicas:int32',
    3: 'updatedReplicas:int32',
    4: 'availableReplicas:int32',
    5: 'unavailableReplicas:int32',
    6: 'conditions:[]DeploymentCondition',
    7: 'readyReplicas:int32',
    8: 'collisionCount:int32?',
    9: 'terminatingReplicas:int32?',
  },
  ReplicaSetSpec: {
    1: 'replicas:int32?',
    2: 'selector:LabelSelector',
    3: 'template:PodTemplateSpec',
    4: 'minReadySeconds:int32',
  },
  ReplicaSetStatus: {
    1: 'replicas:int32!',
    2: 'fullyLabeledReplicas:int32',
    3: 'observedGeneration:int64',
    4: 'readyReplicas:int32',
    5: 'availableReplicas:int32',
    6: 'conditions:[]ReplicaSetCondition',
    7: 'terminatingReplicas:int32?',
  },
  DeploymentStrategy: {
    1: 'type:string',
    2: 'rollingUpdate:RollingUpdateDeployment',
  },
  DeploymentCondition: {
    1: 'type:string!',
    2: 'status:string!',
    4: 'reason:string',
    5: 'message:string',
    6: 'lastUpdateTime:Time',
    7: 'lastTransitionTime:Time',
  },
  ReplicaSetCondition: {
    1: 'type:string!',
    2: 'status:string!',
    3: 'lastTransitionTime:Time',
    4: 'reason:string',
    5: 'message:string',
  },
  RollingUpdateDeployment: {
    1: 'maxUnavailable:IntOrString',
    2: 'maxSurge:IntOrString',
  },
} as const satisfies MessageTable;
