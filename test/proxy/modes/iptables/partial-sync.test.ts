import test from 'ava';
import type { Service } from 'kubernetes-types/core/v1.js';
import { createSharedIptablesContext, endpointHash, IptablesProxier } from '../../../../src/proxy/index.js';
import { fakeProxierConfig, makeTestEndpointSlice, makeTestService, tcpPort } from '../../helpers.js';

const clusterIPService = (n: number, port: number, portName: string): Service =>
  makeTestService(`ns${n}`, `svc${n}`, (s) => {
    s.spec.clusterIP = `172.30.0.4${n}`;
    s.spec.ports = [{ name: portName, port, protocol: 'TCP' }];
  });

const FILTER = `*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-FIREWALL - [0:0]
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
`;
const NAT_FIXED = `:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
`;
const NAT_HEAD = `-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
`;
const LAST = `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
`;

test('TestSyncProxyRulesRepeated-style: partial syncs rewrite only changed services and delete stale chains', (t) => {
  const p = new IptablesProxier(fakeProxierConfig());
  const svc1 = clusterIPService(1, 80, 'p80');
  const svc2 = clusterIPService(2, 8080, 'p8080');
  p.onServiceAdd(svc1);
  p.onServiceAdd(svc2);
  const eps1 = makeTestEndpointSlice('ns1', 'svc1', 1, [{ addresses: ['10.0.1.1'] }], [tcpPort('p80', 80)]);
  p.onEndpointSliceAdd(eps1);
  p.onEndpointSliceAdd(makeTestEndpointSlice('ns2', 'svc2', 1, [{ addresses: ['10.0.2.1'] }], [tcpPort('p8080', 8080)]));
  const first = p.sync();
  t.is(first.kind, 'full');
  t.true(first.restore.includes(':KUBE-SVC-2VJB64SDSIJUP5T6 - [0:0]\n'));
  t.true(first.restore.includes(':KUBE-SEP-SNQ3ZNILQDEJNDQO - [0:0]\n'));
  t.is(first.ensuredJumps.length, 14);

  // Nothing changed: no restore at all.
  t.is(p.sync().kind, 'noop');

  // Delete svc2: its chains are flushed and deleted; svc1's chains are not rewritten.
  p.onServiceDelete(svc2);
  const del = p.sync();
  t.is(del.kind, 'partial');
  t.deepEqual(del.changedServices, ['ns2/svc2']);
  const sep2 = `KUBE-SEP-${endpointHash('ns2/svc2:p8080', 'tcp', '10.0.2.1:8080')}`;
  t.deepEqual(del.deletedChains, [sep2, 'KUBE-SVC-2VJB64SDSIJUP5T6'].sort());
  t.is(del.ensuredJumps.length, 0);
  t.is(
    del.restore,
    FILTER +
      '*nat\n' +
      NAT_FIXED +
      [sep2, 'KUBE-SVC-2VJB64SDSIJUP5T6'].sort().map((c) => `:${c} - [0:0]\n`).join('') +
      NAT_HEAD +
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O\n' +
      [sep2, 'KUBE-SVC-2VJB64SDSIJUP5T6'].sort().map((c) => `-X ${c}\n`).join('') +
      LAST,
  );

  // Move svc1's endpoint: the SVC chain is rewritten with the new SEP, the old SEP deleted.
  p.onEndpointSliceUpdate(eps1, makeTestEndpointSlice('ns1', 'svc1', 1, [{ addresses: ['10.0.1.2'] }], [tcpPort('p80', 80)]));
  const moved = p.sync();
  const newSep = `KUBE-SEP-${endpointHash('ns1/svc1:p80', 'tcp', '10.0.1.2:80')}`;
  t.is(
    moved.restore,
    FILTER +
      '*nat\n' +
      NAT_FIXED +
      `:KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]\n:${newSep} - [0:0]\n:KUBE-SEP-SNQ3ZNILQDEJNDQO - [0:0]\n` +
      NAT_HEAD +
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O\n' +
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n' +
      `-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.0.1.2:80" -j ${newSep}\n` +
      `-A ${newSep} -m comment --comment ns1/svc1:p80 -s 10.0.1.2 -j KUBE-MARK-MASQ\n` +
      `-A ${newSep} -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.1.2:80\n` +
      '-X KUBE-SEP-SNQ3ZNILQDEJNDQO\n' +
      LAST,
  );

  // Endpoints gone: the service REJECTs in filter and all its nat chains are deleted.
  p.onEndpointSliceDelete(makeTestEndpointSlice('ns1', 'svc1', 1, [], []));
  const gone = p.sync();
  t.deepEqual(gone.deletedChains, [newSep, 'KUBE-SVC-XPGD46QRK7WJZT7O'].sort());
  t.true(gone.restore.includes('-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j REJECT\n'));
});

test('a re-delivered event (same object) is a no-op', (t) => {
  const p = new IptablesProxier(fakeProxierConfig());
  const svc1 = clusterIPService(1, 80, 'p80');
  p.onServiceAdd(svc1);
  p.sync();
  p.onServiceAdd(svc1);
  p.onServiceUpdate(svc1, svc1);
  t.is(p.sync().kind, 'noop');
});

test('large-cluster mode (>1000 endpoints) drops SEP and SVC->SEP comments, as kube-proxy does', (t) => {
  const p = new IptablesProxier(fakeProxierConfig({ largeClusterThreshold: 2 }));
  p.onServiceAdd(clusterIPService(1, 80, 'p80'));
  p.onEndpointSliceAdd(makeTestEndpointSlice('ns1', 'svc1', 1, ['10.0.1.1', '10.0.1.2', '10.0.1.3'].map((a) => ({ addresses: [a] })), [tcpPort('p80', 80)]));
  const r = p.sync();
  t.true(r.largeClusterMode);
  const sep = `KUBE-SEP-${endpointHash('ns1/svc1:p80', 'tcp', '10.0.1.1:80')}`;
  t.true(r.restore.includes(`-A KUBE-SVC-XPGD46QRK7WJZT7O -m statistic --mode random --probability 0.3333333333 -j ${sep}\n`));
  t.true(r.restore.includes(`-A ${sep} -s 10.0.1.1 -j KUBE-MARK-MASQ\n`));
  t.true(r.restore.includes(`-A ${sep} -m tcp -p tcp -j DNAT --to-destination 10.0.1.1:80\n`));
  // The internal masquerade rule keeps its comment (only appendServiceCommentLocked drops them).
  t.true(r.restore.includes('-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP"'));
});

test('real kube-proxy defaults: mark 0x00004000 and MASQUERADE --random-fully', (t) => {
  const { masqueradeMarkText: _m, randomFully: _r, ...real } = fakeProxierConfig();
  const r = new IptablesProxier(real).sync().restore;
  t.true(r.includes('-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000\n'));
  t.true(r.includes('-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN\n'));
  t.true(r.includes('-j MASQUERADE --random-fully\n'));
});

test('changes of one Service with and without a sync between: each node deletes the endpoint chains it had written, and only those', (t) => {
  const ctx = createSharedIptablesContext();
  const a = new IptablesProxier(fakeProxierConfig(), ctx);
  const b = new IptablesProxier(fakeProxierConfig({ nodeName: 'node-b' }), ctx);
  const sep = (ip: string): string => `KUBE-SEP-${endpointHash('ns1/svc1:p80', 'tcp', `${ip}:80`)}`;
  const endpointsAt = (ip: string) => makeTestEndpointSlice('ns1', 'svc1', 1, [{ addresses: [ip] }], [tcpPort('p80', 80)]);
  a.onServiceAdd(clusterIPService(1, 80, 'p80'));
  a.onEndpointSliceAdd(endpointsAt('10.0.1.1'));
  t.is(a.sync().kind, 'full');
  // Two endpoint changes with no sync between them: node a wrote 10.0.1.1's chain and never 10.0.1.2's.
  a.onEndpointSliceUpdate(endpointsAt('10.0.1.1'), endpointsAt('10.0.1.2'));
  t.is(b.sync().kind, 'full');
  a.onEndpointSliceUpdate(endpointsAt('10.0.1.2'), endpointsAt('10.0.1.3'));
  a.onEndpointSliceUpdate(endpointsAt('10.0.1.3'), endpointsAt('10.0.1.4'));
  const ra = a.sync();
  t.is(ra.kind, 'partial');
  t.deepEqual(ra.deletedChains, [sep('10.0.1.1')]);
  t.deepEqual(ra.changedServices, ['ns1/svc1']);
  // Node b synced between the first two changes: it had written 10.0.1.2's chain, and deletes that one.
  const rb = b.sync();
  t.is(rb.kind, 'partial');
  t.deepEqual(rb.deletedChains, [sep('10.0.1.2')]);
  t.true(rb.restore.includes(`:${sep('10.0.1.4')} - [0:0]\n`));
  t.is(a.sync().kind, 'noop');
});
