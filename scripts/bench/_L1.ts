import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Cidr4, parseIp4 } from '../../src/addr/index.js';
import { createSharedIptablesContext, IptablesProxier } from '../../src/proxy/index.js';

const services = 10000, nodes = 5000;
const shared = createSharedIptablesContext();
const first = new IptablesProxier({ nodeName: 'node-0', nodeIPs: [parseIp4('192.168.0.0')], clusterCIDR: Cidr4.parse('10.0.0.0/8') }, shared);
for (let i = 0; i < services; i++) {
  first.onServiceAdd(service(i) as Service);
  first.onEndpointSliceAdd(slice(i, nodes) as EndpointSlice);
}
const s = new Session(); s.connect();
await s.post('Profiler.enable');
await s.post('Profiler.setSamplingInterval', { interval: 50 });
await s.post('Profiler.start');
const t0 = process.cpuUsage();
const r = first.sync().restore; r.charCodeAt(r.length >> 1);
const d = process.cpuUsage(t0);
const { profile } = await s.post('Profiler.stop');
writeFileSync(process.env.OUT ?? '/tmp/render.cpuprofile', JSON.stringify(profile));
console.log('render cpu ms', (d.user + d.system) / 1000, 'len', r.length);

function service(i: number): Service {
  return { metadata: { namespace: `ns${i % 100}`, name: `svc${i}`, resourceVersion: '1' },
    spec: { type: i % 10 === 0 ? 'NodePort' : 'ClusterIP', clusterIP: `172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
      ports: [{ name: 'http', port: 80, protocol: 'TCP', ...(i % 10 === 0 ? { nodePort: 30000 + (i % 2000) } : {}) }] } };
}
function slice(i: number, nodes: number): EndpointSlice {
  return { metadata: { namespace: `ns${i % 100}`, name: `svc${i}-abc`, labels: { 'kubernetes.io/service-name': `svc${i}` }, resourceVersion: '1' },
    addressType: 'IPv4', endpoints: [0, 1, 2].map((k) => ({ addresses: [`10.${(i >> 8) & 255}.${i & 255}.${k + 1}`], nodeName: `node-${(i * 3 + k) % nodes}`, conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] };
}
