import test from 'ava';
import { traceInCluster } from '../../src/cluster/index.js';
import { inlineCluster } from '../helpers/cluster.js';
import { SERVICES_APPS, SERVICES_TOPOLOGY } from '../helpers/services-topology.js';

test('a node connecting to its own NodePort, DNATed to a remote pod, runs OUTPUT once and then POSTROUTING (ip_route_me_harder)', async (t) => {
  const c = await inlineCluster(SERVICES_TOPOLOGY, { 'apps.yaml': SERVICES_APPS });
  const r = traceInCluster(c, { from: 'node/n1', to: 'node/n1:30080' });
  const remote = r.paths.find((p) => p.delivered?.pod === 'default/web-2');
  t.truthy(remote);
  const outputJumps = remote!.hops.filter((h) => h.rule === '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' && h.table === 'nat');
  t.is(outputJumps.length, 1, 'nat OUTPUT runs once for the connection');
  t.true(remote!.hops.some((h) => h.detail.includes('destination changed to 10.244.2.2: rerouted')));
  t.is(remote!.sourceSeen, '192.168.50.11');
});
