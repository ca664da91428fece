import test from 'ava';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { parseIp4 } from '../../../../src/addr/index.js';
import { createSharedIptablesContext, IptablesProxier, resolveConfig } from '../../../../src/proxy/index.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import { fakeProxierConfig, makeTestEndpointSlice, makeTestService, tcpPort } from '../../helpers.js';

function world(): { services: Service[]; slices: EndpointSlice[] } {
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < 10; i++) {
    services.push(
      makeTestService('ns', `c${i}`, (s) => {
        s.spec.type = 'NodePort';
        s.spec.clusterIP = `172.30.1.${i + 1}`;
        s.spec.ports = [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 30000 + i }];
      }),
    );
    slices.push(makeTestEndpointSlice('ns', `c${i}`, 1, [{ addresses: [`10.1.${i}.1`], nodeName: 'node-a' }, { addresses: [`10.1.${i}.2`], nodeName: 'node-b' }], [tcpPort('p80', 80)]));
  }
  services.push(
    makeTestService('ns', 'local', (s) => {
      s.spec.type = 'LoadBalancer';
      s.spec.externalTrafficPolicy = 'Local';
      s.spec.clusterIP = '172.30.2.1';
      s.spec.ports = [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 31000 }];
      s.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } };
    }),
  );
  slices.push(makeTestEndpointSlice('ns', 'local', 1, [{ addresses: ['10.2.0.1'], nodeName: 'node-a' }], [tcpPort('p80', 80)]));
  return { services, slices };
}

const nodeCfg = (name: string, ip: string) => fakeProxierConfig({ nodeName: name, nodeIPs: [parseIp4(ip)] });

test('nodes sharing one context render exactly what independent proxiers render', (t) => {
  const ctx = createSharedIptablesContext();
  const nodes = [nodeCfg('node-a', '192.168.0.10'), nodeCfg('node-b', '192.168.0.11'), nodeCfg('node-c', '192.168.0.12')];
  const shared = nodes.map((c) => new IptablesProxier(c, ctx));
  const { services, slices } = world();
  // Every node receives every watch event, as every kube-proxy does.
  for (const p of shared) {
    for (const s of services) p.onServiceAdd(s);
    for (const e of slices) p.onEndpointSliceAdd(e);
  }
  nodes.forEach((c, i) => {
    const alone = new IptablesProxier(c);
    for (const s of services) alone.onServiceAdd(s);
    for (const e of slices) alone.onEndpointSliceAdd(e);
    t.is(shared[i]?.sync().restore, alone.sync().restore, c.nodeName);
  });
  // 10 node-independent services rendered once; the eTP=Local one twice (node-a, and everyone else).
  t.is(ctx.cache.forConfig(resolveConfig(nodes[0] ?? nodeCfg('x', '1.1.1.1')).render).variantCount(), 12);
});

test('eTP=Local differs per node: local endpoints on node-a, DROP for outside traffic on node-b', (t) => {
  const ctx = createSharedIptablesContext();
  const a = new IptablesProxier(nodeCfg('node-a', '192.168.0.10'), ctx);
  const b = new IptablesProxier(nodeCfg('node-b', '192.168.0.11'), ctx);
  const { services, slices } = world();
  for (const s of services) a.onServiceAdd(s);
  for (const e of slices) a.onEndpointSliceAdd(e);
  const ra = a.sync().restore;
  const rb = b.sync().restore;
  t.true(ra.includes(':KUBE-SVL-'));
  t.false(rb.includes(':KUBE-SVL-'));
  t.true(rb.includes('-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns/local:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP\n'));
  t.false(ra.includes('has no local endpoints'));
});

test('a change applied once is seen by every node as a partial sync', (t) => {
  const ctx = createSharedIptablesContext();
  const a = new IptablesProxier(nodeCfg('node-a', '192.168.0.10'), ctx);
  const b = new IptablesProxier(nodeCfg('node-b', '192.168.0.11'), ctx);
  const { services, slices } = world();
  for (const s of services) a.onServiceAdd(s);
  for (const e of slices) a.onEndpointSliceAdd(e);
  a.sync();
  b.sync();
  const extra = makeTestService('ns', 'extra', (s) => {
    s.spec.clusterIP = '172.30.3.1';
    s.spec.ports = [{ name: 'p80', port: 80, protocol: 'TCP' }];
  });
  a.onServiceAdd(extra);
  b.onServiceAdd(extra); // the same watch event delivered to node-b: already applied
  const pa = a.sync();
  const pb = b.sync();
  t.is(pa.kind, 'partial');
  t.is(pb.kind, 'partial');
  t.deepEqual(pb.changedServices, ['ns/extra']);
  t.true(pb.restore.includes('"ns/extra:p80 has no endpoints"'));
  t.is(b.sync().kind, 'noop');
});

test('node view: built-in chains get the ensured jumps in prepend order, user chains sorted', (t) => {
  const p = new IptablesProxier(fakeProxierConfig());
  p.sync();
  const view = p.nodeView();
  const input = view.split('\n').filter((l) => l.startsWith('-A INPUT '));
  t.deepEqual(input, [
    '-A INPUT -j KUBE-FIREWALL',
    '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
    '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
  ]);
  t.true(view.startsWith('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:KUBE-EXTERNAL-SERVICES - [0:0]\n'));
  t.true(view.includes('*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n'));
  t.true(view.includes('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n'));
  t.true(view.includes('*mangle\n'));
  t.true(view.includes(':KUBE-PROXY-CANARY - [0:0]\n'));
});
