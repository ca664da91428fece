import type { MessageTable } from '../schema.js';

/**
 * Field tables in the notation of schema.ts for the two endpoint objects, read from k8s.io/api
 * core/v1/generated.proto (Endpoints) and discovery/v1/generated.proto (EndpointSlice). Both
 * packages have a message named EndpointPort with different field numbers and pointers, so the
 * discovery one is registered here as DiscoveryEndpointPort.
 */
export const ENDPOINTS_MESSAGES = {
  Endpoints: {
    1: 'metadata:ObjectMeta',
    2: 'subsets:[]EndpointSubset',
  },
  EndpointSubset: {
    1: 'addresses:[]EndpointAddress',
    2: 'notReadyAddresses:[]EndpointAddress',
    3: 'ports:[]EndpointPort',
  },
  EndpointAddress: {
    1: 'ip:string!',
    2: 'targetRef:ObjectReference',
    3: 'hostname:string',
    4: 'nodeName:string?',
  },
  EndpointPort: {
    1: 'name:string',
    2: 'port:int32!',
    3: 'protocol:string',
    4: 'appProtocol:string?',
  },
} as const satisfies MessageTable;

export const DISCOVERY_MESSAGES = {
  EndpointSlice: {
    1: 'metadata:ObjectMeta',
    2: 'endpoints:[]Endpoint',
    3: 'ports:[]DiscoveryEndpointPort',
    4: 'addressType:string!',
  },
  Endpoint: {
    1: 'addresses:[]string',
    2: 'conditions:EndpointConditions',
    3: 'hostname:string?',
    4: 'targetRef:ObjectReference',
    5: 'deprecatedTopology:map<string>',
    6: 'nodeName:string?',
    7: 'zone:string?',
    8: 'hints:EndpointHints',
  },
  EndpointConditions: {
    1: 'ready:bool?',
    2: 'serving:bool?',
    3: 'terminating:bool?',
  },
  EndpointHints: {
    1: 'forZones:[]ForZone',
    2: 'forNodes:[]ForNode',
  },
  ForZone: {
    1: 'name:string!',
  },
  ForNode: {
    1: 'name:string!',
  },
  DiscoveryEndpointPort: {
    1: 'name:string?',
    2: 'protocol:string?',
    3: 'port:int32?',
    4: 'appProtocol:string?',
  },
} as const satisfies MessageTable;
