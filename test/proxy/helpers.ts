import type { Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Cidr4, parseIp4 } from '../../src/addr/index.js';
import type { ProxierConfig } from '../../src/proxy/index.js';

/** kube-proxy's NewFakeProxier conventions (proxier_test.go). */
export const testNodeName = 'test-node';
export const testNodeIP = '192.168.0.2';
export const testNodeIPAlt = '192.168.1.2';
export const testExternalIP = '192.168.99.11';
export const testExternalClient = '203.0.113.2';
export const testExternalClientBlocked = '203.0.113.130';
/** Addresses the upstream tracer treats as LOCAL (IPv4 part of testNodeIPs plus loopback). */
export const testLocalIPs = ['127.0.0.1', testNodeIP, testNodeIPAlt, testExternalIP];

/** The fake proxier's settings: mark printed "0x4000", no --random-fully, nfacct counters present. */
export function fakeProxierConfig(over: Partial<ProxierConfig> = {}): ProxierConfig {
  return {
    nodeName: testNodeName,
    nodeIPs: [parseIp4(testNodeIP)],
    interfaceAddresses: ['127.0.0.1', testNodeIP, testNodeIPAlt, testExternalIP].map((a) => parseIp4(a)),
    clusterCIDR: Cidr4.parse('10.0.0.0/8'),
    masqueradeMarkText: '0x4000',
    randomFully: false,
    nfacct: true,
    localhostNodePorts: true,
    ...over,
  };
}

type DeepMutable<T> = { -readonly [K in keyof T]: T[K] extends object ? DeepMutable<T[K]> : T[K] };
export type MutableService = DeepMutable<Service> & { spec: DeepMutable<NonNullable<Service['spec']>> };

/** makeTestService: an empty Service in `namespace/name`, customised by `f` (as upstream). */
export function makeTestService(namespace: string, name: string, f: (svc: MutableService) => void): Service {
  const svc: MutableService = { metadata: { name, namespace, annotations: {} }, spec: {}, status: {} };
  f(svc);
  return svc;
}

export function makeTestEndpointSlice(namespace: string, name: string, sliceNum: number, endpoints: Endpoint[], ports: EndpointPort[]): EndpointSlice {
  return {
    metadata: { name: `${name}-${sliceNum}`, namespace, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

export const tcpPort = (name: string, port: number): EndpointPort => ({ name, port, protocol: 'TCP' });
