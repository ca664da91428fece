import test from 'ava';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { resolve, resolveFqdn, type DnsSource } from '../../src/dns/index.js';

const services: Service[] = [
  { metadata: { name: 'web', namespace: 'prod' }, spec: { clusterIP: '10.96.5.5', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] } },
  { metadata: { name: 'db', namespace: 'prod' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] } },
  { metadata: { name: 'ext', namespace: 'prod' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } },
];
const slices: Record<string, EndpointSlice[]> = {
  'prod/db': [
    {
      addressType: 'IPv4',
      metadata: { name: 'db-abcde' },
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.244.1.7'], hostname: 'db-0', conditions: { ready: true } },
        { addresses: ['10.244.2.9'], conditions: { ready: true } },
        { addresses: ['10.244.3.3'], conditions: { ready: false } },
      ],
    },
  ],
};
const src: DnsSource = {
  service: (ns, name) => services.find((s) => s.metadata?.namespace === ns && s.metadata.name === name),
  slices: (ns, svc) => slices[`${ns}/${svc}`] ?? [],
};
const data = (name: string, type: 'A' | 'AAAA' | 'SRV' | 'CNAME'): string[] => resolveFqdn(src, name, type).answers.map((r) => r.data);

test('a ClusterIP Service: A is its ClusterIP, AAAA exists without answers (IPv4 only)', (t) => {
  t.deepEqual(data('web.prod.svc.cluster.local.', 'A'), ['10.96.5.5']);
  const aaaa = resolveFqdn(src, 'web.prod.svc.cluster.local.', 'AAAA');
  t.deepEqual([aaaa.rcode, aaaa.answers.length], ['NOERROR', 0]);
});

test('a headless Service answers with its ready endpoints, and each endpoint by hostname or dashed IP', (t) => {
  t.deepEqual(data('db.prod.svc.cluster.local.', 'A'), ['10.244.1.7', '10.244.2.9']);
  t.deepEqual(data('db-0.db.prod.svc.cluster.local.', 'A'), ['10.244.1.7']);
  t.deepEqual(data('10-244-2-9.db.prod.svc.cluster.local.', 'A'), ['10.244.2.9']);
  t.is(resolveFqdn(src, '10-244-3-3.db.prod.svc.cluster.local.', 'A').rcode, 'NXDOMAIN', 'not ready: not served');
});

test('SRV for named ports: the Service name when it has a ClusterIP, each endpoint when headless', (t) => {
  t.deepEqual(data('_dns._udp.web.prod.svc.cluster.local.', 'SRV'), ['0 100 53 web.prod.svc.cluster.local.']);
  t.is(resolveFqdn(src, '_dns._tcp.web.prod.svc.cluster.local.', 'SRV').rcode, 'NXDOMAIN', 'the protocol must match');
  t.deepEqual(data('_pg._tcp.db.prod.svc.cluster.local.', 'SRV'), ['0 50 5432 db-0.db.prod.svc.cluster.local.', '0 50 5432 10-244-2-9.db.prod.svc.cluster.local.']);
  t.deepEqual(resolveFqdn(src, '_pg._tcp.db.prod.svc.cluster.local.', 'SRV').additional.map((r) => `${r.name} ${r.data}`), [
    'db-0.db.prod.svc.cluster.local. 10.244.1.7',
    '10-244-2-9.db.prod.svc.cluster.local. 10.244.2.9',
  ]);
});

test('ExternalName is a CNAME; pod names resolve to the dashed address; the rest is NXDOMAIN', (t) => {
  t.deepEqual(data('ext.prod.svc.cluster.local.', 'A'), ['db.example.com.']);
  t.is(resolveFqdn(src, 'ext.prod.svc.cluster.local.', 'A').answers[0]?.type, 'CNAME');
  t.deepEqual(data('10-244-1-7.prod.pod.cluster.local.', 'A'), ['10.244.1.7']);
  t.is(resolveFqdn(src, 'web.other.svc.cluster.local.', 'A').rcode, 'NXDOMAIN');
  t.is(resolveFqdn(src, 'example.com.', 'A').rcode, 'NXDOMAIN');
});

test('the search path: short names resolve from the asking pod’s namespace first', (t) => {
  t.is(resolve(src, 'web', 'A', { namespace: 'prod' }).name, 'web.prod.svc.cluster.local.');
  t.is(resolve(src, 'web.prod', 'A', { namespace: 'default' }).name, 'web.prod.svc.cluster.local.');
  t.is(resolve(src, 'web', 'A', { namespace: 'default' }).rcode, 'NXDOMAIN');
});
