import test from 'ava';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { EndpointsChangeTracker, ServiceChangeTracker } from '../../src/proxy/index.js';

function slice(name: string, eps: readonly { ip: string; node?: string }[], addressType = 'IPv4'): EndpointSlice {
  return {
    metadata: { namespace: 'ns1', name, labels: { 'kubernetes.io/service-name': 'svc1' } },
    addressType,
    endpoints: eps.map((e) => ({ addresses: [e.ip], ...(e.node === undefined ? {} : { nodeName: e.node }) })),
    ports: [{ name: 'p80', port: 80, protocol: 'TCP' }],
  };
}

const PORT = 'ns1/svc1:p80/TCP';

function endpoints(t: EndpointsChangeTracker): string[] {
  return (t.endpointsFor('ns1/svc1', PORT) ?? []).map((e) => `${e.str}@${e.nodeName}`);
}

test('slices of one Service merge sorted by "ip:port" text; a duplicate keeps the first unless a later one has a node', (t) => {
  const tr = new EndpointsChangeTracker();
  t.is(tr.update(slice('a', [{ ip: '10.0.0.2' }, { ip: '10.0.0.10', node: 'n1' }]), false), 'ns1/svc1');
  t.is(tr.update(slice('b', [{ ip: '10.0.0.2', node: 'n2' }, { ip: '10.0.0.10', node: 'n3' }, { ip: '10.0.0.1' }]), false), 'ns1/svc1');
  // Lexicographic on "ip:port": "10.0.0.10:80" < "10.0.0.1:80" ('0' < ':') < "10.0.0.2:80". 10.0.0.2 had no
  // node in slice a: slice b's wins; 10.0.0.10 had one in slice a: it stays.
  t.deepEqual(endpoints(tr), ['10.0.0.10:80@n1', '10.0.0.1:80@', '10.0.0.2:80@n2']);
  // Deleting slice a leaves slice b's endpoints only.
  t.is(tr.update(slice('a', []), true), 'ns1/svc1');
  t.deepEqual(endpoints(tr), ['10.0.0.10:80@n3', '10.0.0.1:80@', '10.0.0.2:80@n2']);
});

test('an identical slice is no change, and the stored endpoint list stays the same object', (t) => {
  const tr = new EndpointsChangeTracker();
  tr.update(slice('a', [{ ip: '10.0.0.1', node: 'n1' }]), false);
  const before = tr.endpointsFor('ns1/svc1', PORT);
  t.is(tr.update(slice('a', [{ ip: '10.0.0.1', node: 'n1' }]), false), undefined);
  t.is(tr.endpointsFor('ns1/svc1', PORT), before);
  t.is(tr.update(slice('a', [{ ip: '10.0.0.1', node: 'n2' }]), false), 'ns1/svc1', 'a moved endpoint is a change (locality)');
});

test('a slice turning IPv6 removes its IPv4 endpoints; deleting an unknown slice is no change', (t) => {
  const tr = new EndpointsChangeTracker();
  tr.update(slice('a', [{ ip: '10.0.0.1' }]), false);
  t.is(tr.update(slice('zz', []), true), undefined);
  t.is(tr.update(slice('a', [{ ip: 'fd00::1' }], 'IPv6'), false), 'ns1/svc1');
  t.deepEqual(endpoints(tr), []);
  t.is(tr.endpointsByService.get('ns1/svc1'), undefined);
});

function service(extra: Partial<NonNullable<Service['spec']>> = {}): Service {
  return { metadata: { namespace: 'ns1', name: 'svc1' }, spec: { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, protocol: 'TCP' }], ...extra } };
}

test('a Service update that derives the same ports is no change; any field the rules read is one', (t) => {
  const tr = new ServiceChangeTracker();
  t.is(tr.update(undefined, service()), 'ns1/svc1');
  t.is(tr.update(service(), service()), undefined);
  // 172.30.0.041 normalises to the same address (net.ParseIP): no change.
  t.is(tr.update(service(), service({ clusterIP: '172.30.0.041' })), undefined);
  t.is(tr.update(service(), service({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } })), 'ns1/svc1');
  t.is(tr.update(service(), service({ externalIPs: ['192.0.2.1'] })), 'ns1/svc1');
  t.deepEqual(tr.portsOf('ns1/svc1')?.get(PORT)?.externalIPs, ['192.0.2.1']);
  t.is(tr.update(service(), undefined), 'ns1/svc1');
  t.is(tr.portsOf('ns1/svc1'), undefined);
  t.is(tr.update(undefined, service({ clusterIP: 'None' })), undefined, 'headless: nothing to proxy, nothing changed');
});
