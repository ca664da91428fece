import type { MessageTable } from '../schema.js';

/**
 * Field tables (networking.k8s.io/v1) in the notation of schema.ts, read from k8s.io/api networking/v1/generated.proto
 * and types.go: the Ingress `kubectl create ingress` sends through its typed client, and IngressClasses.
 */
export const NETWORKING_MESSAGES = {
  Ingress: {
    1: 'metadata:ObjectMeta',
    2: 'spec:IngressSpec',
    3: 'status:IngressStatus',
  },
  IngressSpec: {
    1: 'defaultBackend:IngressBackend',
    2: 'tls:[]IngressTLS',
    3: 'rules:[]IngressRule',
    4: 'ingressClassName:string?',
  },
  IngressBackend: {
    3: 'resource:TypedLocalObjectReference',
    4: 'service:IngressServiceBackend',
  },
  // core/v1's, here while only an Ingress backend uses it.
  TypedLocalObjectReference: {
    1: 'apiGroup:string?',
    2: 'kind:string!',
    3: 'name:string!',
  },
  IngressServiceBackend: {
    1: 'name:string!',
    2: 'port:ServiceBackendPort',
  },
  ServiceBackendPort: {
    1: 'name:string',
    2: 'number:int32',
  },
  IngressTLS: {
    1: 'hosts:[]string',
    2: 'secretName:string',
  },
  IngressRule: {
    1: 'host:string',
    2: ':IngressRuleValue',
  },
  IngressRuleValue: {
    1: 'http:HTTPIngressRuleValue',
  },
  HTTPIngressRuleValue: {
    1: 'paths:[]HTTPIngressPath',
  },
  HTTPIngressPath: {
    1: 'path:string',
    2: 'backend:IngressBackend',
    3: 'pathType:string?',
  },
  IngressStatus: {
    1: 'loadBalancer:IngressLoadBalancerStatus',
  },
  IngressLoadBalancerStatus: {
    1: 'ingress:[]IngressLoadBalancerIngress',
  },
  IngressLoadBalancerIngress: {
    1: 'ip:string',
    2: 'hostname:string',
    4: 'ports:[]IngressPortStatus',
  },
  IngressPortStatus: {
    1: 'port:int32!',
    2: 'protocol:string!',
    3: 'error:string?',
  },
  IngressClass: {
    1: 'metadata:ObjectMeta',
    2: 'spec:IngressClassSpec',
  },
  IngressClassSpec: {
    1: 'controller:string',
    2: 'parameters:IngressClassParametersReference',
  },
  IngressClassParametersReference: {
    1: 'apiGroup:string?',
    2: 'kind:string!',
    3: 'name:string!',
    4: 'scope:string?',
    5: 'namespace:string?',
  },
} as const satisfies MessageTable;
