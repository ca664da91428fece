import test from 'ava';
import { UserspaceProxier } from '../../../../src/proxy/index.js';
import { overallServices, overallSlices } from '../../fixtures/overall-services.js';
import { fakeProxierConfig } from '../../helpers.js';

test('userspace portals: REDIRECT for containers, DNAT to the node for the host, NodePort chains, proxy ports in service order', (t) => {
  const p = new UserspaceProxier(fakeProxierConfig());
  for (const s of overallServices()) p.onServiceAdd(s);
  for (const e of overallSlices()) p.onEndpointSliceAdd(e);
  const r = p.sync();
  const lines = r.restore.split('\n');
  t.true(lines.includes('-A KUBE-PORTALS-CONTAINER -m comment --comment ns1/svc1:p80 -p tcp -m tcp --dport 80 -d 172.30.0.41/32 -j REDIRECT --to-ports 36000'));
  t.true(lines.includes('-A KUBE-PORTALS-HOST -m comment --comment ns1/svc1:p80 -p tcp -m tcp --dport 80 -d 172.30.0.41/32 -j DNAT --to-destination 192.168.0.2:36000'));
  // svc2 (second service): ExternalIP portals with physdev and dst-type LOCAL variants, NodePort 3001.
  t.true(lines.includes('-A KUBE-PORTALS-CONTAINER -m comment --comment ns2/svc2:p80 -p tcp -m tcp --dport 80 -d 192.168.99.22/32 -m physdev ! --physdev-is-in -j REDIRECT --to-ports 36001'));
  t.true(lines.includes('-A KUBE-NODEPORT-CONTAINER -m comment --comment ns2/svc2:p80 -p tcp -m tcp --dport 3001 -j REDIRECT --to-ports 36001'));
  t.true(lines.includes('-A KUBE-NODEPORT-NON-LOCAL -m comment --comment ns2/svc2:p80 -p tcp -m tcp --dport 36001 -m state --state NEW -j ACCEPT'));
  t.deepEqual(r.sockets.map((s) => `${s.proxyPort} ${s.name} ${s.endpoints.join(',')}${s.affinitySeconds > 0 ? ` affinity ${s.affinitySeconds}` : ''}`), [
    '36000 ns1/svc1:p80 10.180.0.1:80',
    '36001 ns2/svc2:p80 10.180.0.2:80',
    '36002 ns3/svc3:p80 10.180.0.3:80',
    '36003 ns4/svc4:p80 10.180.0.4:80,10.180.0.5:80',
    '36004 ns5/svc5:p80 10.180.0.3:80 affinity 10800',
    '36005 ns6/svc6:p80 ',
  ]);
  // The ports stay with their services across syncs.
  p.onServiceDelete(overallServices()[0]!);
  t.is(p.sync().sockets[0]?.proxyPort, 36001);
  const view = p.nodeView();
  t.regex(view, /-A PREROUTING -m comment --comment "handle ClusterIPs; NOTE: this must be before the NodePort rules" -j KUBE-PORTALS-CONTAINER\n-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "handle service NodePorts; NOTE: this must be the last rule in the chain" -j KUBE-NODEPORT-CONTAINER\n/);
});
