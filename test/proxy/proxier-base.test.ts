import test from 'ava';
import type { Node } from 'kubernetes-types/core/v1.js';
import { IpvsProxier, NftablesProxier, SharedProxyState, UserspaceProxier, ZONE_LABEL } from '../../src/proxy/index.js';
import { NodeZone } from '../../src/proxy/proxier-base.js';
import { overallServices, overallSlices } from './fixtures/overall-services.js';
import { fakeProxierConfig, testNodeName } from './helpers.js';

function node(name: string, zone: string | undefined): Node {
  return { metadata: { name, labels: zone === undefined ? {} : { [ZONE_LABEL]: zone } } };
}

test('NodeZone: only this node counts, and only a changed zone is reported', (t) => {
  const z = new NodeZone('node-a', { [ZONE_LABEL]: 'z1' });
  t.is(z.zone, 'z1');
  t.false(z.update(node('node-b', 'z2')), 'another node is ignored');
  t.is(z.zone, 'z1');
  t.false(z.update(node('node-a', 'z1')), 'same zone: no change');
  t.true(z.update(node('node-a', 'z2')));
  t.is(z.zone, 'z2');
  t.true(z.update(node('node-a', undefined)), 'label removed');
  t.is(z.zone, undefined);
});

test('the shared handlers feed one SharedProxyState: a Service added through one mode is rendered by another', (t) => {
  const state = new SharedProxyState();
  const ipvs = new IpvsProxier(fakeProxierConfig(), state);
  const userspace = new UserspaceProxier(fakeProxierConfig(), state);
  for (const s of overallServices()) ipvs.onServiceAdd(s);
  for (const e of overallSlices()) ipvs.onEndpointSliceAdd(e);
  const sockets = userspace.sync().sockets;
  t.true(sockets.some((s) => s.name === 'ns1/svc1:p80' && s.endpoints.includes('10.180.0.1:80')));
  const first = overallServices()[0];
  if (first === undefined) return t.fail();
  ipvs.onServiceDelete(first);
  t.false(userspace.sync().sockets.some((s) => s.name === 'ns1/svc1:p80'), 'the delete is seen too');
});

test('a zone change on this node re-renders (nftables); other nodes leave the next sync a noop', (t) => {
  const p = new NftablesProxier(fakeProxierConfig({ nodeLabels: { [ZONE_LABEL]: 'z1' } }));
  for (const s of overallServices()) p.onServiceAdd(s);
  t.is(p.sync().kind, 'full');
  p.onNodeUpdate(node('other-node', 'z9'));
  t.is(p.sync().kind, 'noop');
  p.onNodeUpdate(node(testNodeName, 'z2'));
  t.is(p.sync().kind, 'full');
});
