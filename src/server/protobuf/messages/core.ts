import type { MessageTable } from '../schema.js';

/**
 * Field tables (core/v1) in the notation of schema.ts, read from
 * k8s.io/api core/v1/generated.proto: the core objects kubectl can create or a client can write,
 * and their statuses (a status a client sends on create is accepted and ignored as the API server does).
 */
export const CORE_MESSAGES = {
  Service: {
    1: 'metadata:ObjectMeta',
    2: 'spec:ServiceSpec',
    3: 'status:ServiceStatus',
  },
  Namespace: {
    1: 'metadata:ObjectMeta',
    2: 'spec:NamespaceSpec',
    3: 'status:NamespaceStatus',
  },
  ConfigMap: {
    1: 'metadata:ObjectMeta',
    2: 'data:map<string>',
    3: 'binaryData:map<bytes>',
    4: 'immutable:bool?',
  },
  Secret: {
    1: 'metadata:ObjectMeta',
    2: 'data:map<bytes>',
    3: 'type:string',
    4: 'stringData:map<string>',
    5: 'immutable:bool?',
  },
  ServiceAccount: {
    1: 'metadata:ObjectMeta',
    2: 'secrets:[]ObjectReference',
    3: 'imagePullSecrets:[]LocalObjectReference',
    4: 'automountServiceAccountToken:bool?',
  },
  Pod: {
    1: 'metadata:ObjectMeta',
    2: 'spec:PodSpec',
    3: 'status:PodStatus',
  },
  Binding: {
    1: 'metadata:ObjectMeta',
    2: 'target:ObjectReference',
  },
  ServiceSpec: {
    1: 'ports:[]ServicePort',
    2: 'selector:map<string>',
    3: 'clusterIP:string',
    4: 'type:string',
    5: 'externalIPs:[]string',
    7: 'sessionAffinity:string',
    8: 'loadBalancerIP:string',
    9: 'loadBalancerSourceRanges:[]string',
    10: 'externalName:string',
    11: 'externalTrafficPolicy:string',
    12: 'healthCheckNodePort:int32',
    13: 'publishNotReadyAddresses:bool',
    14: 'sessionAffinityConfig:SessionAffinityConfig',
    17: 'ipFamilyPolicy:string?',
    18: 'clusterIPs:[]string',
    19: 'ipFamilies:[]string',
    20: 'allocateLoadBalancerNodePorts:bool?',
    21: 'loadBalancerClass:string?',
    22: 'internalTrafficPolicy:string?',
    23: 'trafficDistribution:string?',
  },
  ServiceStatus: {
    1: 'loadBalancer:LoadBalancerStatus',
    2: 'conditions:[]Condition',
  },
  NamespaceSpec: {
    1: 'finalizers:[]string',
  },
  NamespaceStatus: {
    1: 'phase:string',
    2: 'conditions:[]NamespaceCondition',
  },
  ObjectReference: {
    1: 'kind:string',
    2: 'namespace:string',
    3: 'name:string',
    4: 'uid:string',
    5: 'apiVersion:string',
    6: 'resourceVersion:string',
    7: 'fieldPath:string',
  },
  LocalObjectReference: {
    1: 'name:string',
  },
  PodStatus: { // not decoded (refused with 415): containerStatuses=8, initContainerStatuses=10, ephemeralContainerStatuses=13, resourceClaimStatuses=15, extendedResourceClaimStatus=18, nodeAllocatableResourceClaimStatuses=21, volumeHealth=22
    1: 'phase:string',
    2: 'conditions:[]PodCondition',
    3: 'message:string',
    4: 'reason:string',
    5: 'hostIP:string',
    6: 'podIP:string',
    7: 'startTime:Time',
    9: 'qosClass:string',
    11: 'nominatedNodeName:string',
    12: 'podIPs:[]PodIP',
    14: 'resize:string',
    16: 'hostIPs:[]HostIP',
    17: 'observedGeneration:int64',
    19: 'allocatedResources:map<Quantity>',
    20: 'resources:ResourceRequirements',
  },
  PodTemplateSpec: {
    1: 'metadata:ObjectMeta',
    2: 'spec:PodSpec',
  },
  ServicePort: {
    1: 'name:string',
    2: 'protocol:string',
    3: 'port:int32!',
    4: 'targetPort:IntOrString',
    5: 'nodePort:int32',
    6: 'appProtocol:string?',
  },
  SessionAffinityConfig: {
    1: 'clientIP:ClientIPConfig',
  },
  LoadBalancerStatus: {
    1: 'ingress:[]LoadBalancerIngress',
  },
  NamespaceCondition: {
    1: 'type:string!',
    2: 'status:string!',
    4: 'lastTransitionTime:Time',
    5: 'reason:string',
    6: 'message:string',
  },
  PodCondition: {
    1: 'type:string!',
    2: 'status:string!',
    3: 'lastProbeTime:Time',
    4: 'lastTransitionTime:Time',
    5: 'reason:string',
    6: 'message:string',
    7: 'observedGeneration:int64',
  },
  PodIP: {
    1: 'ip:string!',
  },
  HostIP: {
    1: 'ip:string!',
  },
  ClientIPConfig: {
    1: 'timeoutSeconds:int32?',
  },
  LoadBalancerIngress: { // not decoded (refused with 415): ports=4
    1: 'ip:string',
    2: 'hostname:string',
    3: 'ipMode:string?',
  },
} as const satisfies MessageTable;
