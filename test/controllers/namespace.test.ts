import test from 'ava';
import { registeredResource } from '../../src/api/index.js';
import { isApiError } from '../../src/apiserver/index.js';
import { R } from '../../src/controllers/index.js';
import { cluster, deployment, podsOf } from './harness.js';

test('a deleted namespace turns Terminating, its content is deleted through the API (pods torn down by their kubelets), then it goes', async (t) => {
  const { cp, net } = await cluster(2);
  await cp.api.create(R.namespaces, '', { metadata: { name: 'shop' } });
  await cp.api.create(R.deployments, 'shop', deployment('web', 3));
  await cp.api.create(R.services, 'shop', { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
  await cp.settle();
  const pods = podsOf(cp, 'web').map((p) => p.metadata.name ?? '');
  t.is(pods.length, 3);
  const terminating = await cp.api.delete(R.namespaces, '', 'shop');
  t.like(terminating, { status: { phase: 'Terminating' } });
  await cp.settle();
  t.is(cp.informers.get(R.namespaces, '', 'shop'), undefined, 'the namespace is gone');
  for (const r of [R.pods, R.deployments, R.replicaSets, R.services, R.endpointSlices, registeredResource('', 'serviceaccounts')]) {
    t.deepEqual([...cp.informers.list(r)].filter((o) => o.metadata.namespace === 'shop').map((o) => o.metadata.name), [], r.plural);
  }
  // Each pod's network was torn down (CNI DEL) by its node's kubelet, as on a real node.
  t.deepEqual(net.log.filter((l) => l.startsWith('DEL shop/')).map((l) => l.split(' ')[1]).sort(), pods.map((p) => `shop/${p}`).sort());
  const err = await t.throwsAsync(cp.api.get(R.namespaces, '', 'shop'));
  t.is(isApiError(err) ? err.status.code : 0, 404);
});

test('cleanup waits for the deferral: until it starts, the namespace is Terminating with its content in place', async (t) => {
  const starts: (() => void)[] = [];
  const { cp } = await cluster(1, { deferNamespaceCleanup: (start) => starts.push(start) });
  await cp.api.create(R.namespaces, '', { metadata: { name: 'shop' } });
  await cp.api.create(R.services, 'shop', { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
  await cp.settle();
  await cp.api.delete(R.namespaces, '', 'shop');
  await cp.settle();
  t.is(starts.length, 1);
  t.not(cp.informers.get(R.services, 'shop', 'web'), undefined, 'kubectl delete -f can still delete it');
  await cp.api.delete(R.services, 'shop', 'web');
  for (const s of starts) s();
  await cp.settle();
  t.is(cp.informers.get(R.namespaces, '', 'shop'), undefined);
});
