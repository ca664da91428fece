import test from 'ava';
import { registeredResource, type ReadonlyKubeObject } from '../../src/api/index.js';
import { isApiError } from '../../src/apiserver/index.js';
import { R, specOf } from '../../src/controllers/index.js';
import { cluster, deployment, podsOf } from './harness.js';

const SA = registeredResource('', 'serviceaccounts');
const EVENTS = registeredResource('', 'events');

async function accounts(cp: Awaited<ReturnType<typeof cluster>>['cp'], ns: string): Promise<string[]> {
  return (await cp.api.list(SA, ns)).items.map((o: ReadonlyKubeObject) => o.metadata.name ?? '').sort();
}

test('every namespace gets a "default" ServiceAccount, and gets it back when it is deleted', async (t) => {
  const { cp } = await cluster(1);
  t.deepEqual(await accounts(cp, 'kube-system'), ['default']);
  await cp.api.create(R.namespaces, '', { metadata: { name: 'team-a' } });
  await cp.settle();
  t.deepEqual(await accounts(cp, 'team-a'), ['default']);
  await cp.api.delete(SA, 'team-a', 'default');
  await cp.settle();
  t.deepEqual(await accounts(cp, 'team-a'), ['default']);
});

test('a pod runs as "default" unless it names an account; naming only the deprecated serviceAccount field counts', async (t) => {
  const { cp } = await cluster(1);
  await cp.api.create(SA, 'default', { metadata: { name: 'builder' } });
  await cp.settle();
  const plain = await cp.api.create(R.pods, 'default', { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  t.like(specOf(plain), { serviceAccountName: 'default', serviceAccount: 'default' });
  const alias = await cp.api.create(R.pods, 'default', { metadata: { name: 'b' }, spec: { serviceAccount: 'builder', containers: [{ name: 'c', image: 'nginx' }] } });
  t.like(specOf(alias), { serviceAccountName: 'builder', serviceAccount: 'builder' });
});

test('a pod naming a missing account is refused with 403 as the ServiceAccount admission plugin words it, and nothing is stored', async (t) => {
  const { cp } = await cluster(1);
  const err = await t.throwsAsync(cp.api.create(R.pods, 'default', { metadata: { name: 'p' }, spec: { serviceAccountName: 'ghost', containers: [{ name: 'c', image: 'nginx' }] } }));
  t.true(isApiError(err));
  if (isApiError(err)) {
    t.is(err.status.code, 403);
    t.is(err.message, 'pods "p" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
  }
  t.is(cp.informers.get(R.pods, 'default', 'p'), undefined);
  // An invalid pod is refused for being invalid first (validation runs before the validating plugins).
  const invalid = await t.throwsAsync(cp.api.create(R.pods, 'default', { metadata: { name: 'q' }, spec: { serviceAccountName: 'ghost', containers: [] } }));
  t.is(isApiError(invalid) ? invalid.status.code : 0, 422);
});

test('a Deployment whose pods name a missing account: FailedCreate on its ReplicaSet, then pods once the account exists', async (t) => {
  const { cp } = await cluster(2);
  const d = deployment('web', 2);
  (d['spec'] as { template: { spec: Record<string, unknown> } }).template.spec['serviceAccountName'] = 'web-sa';
  await cp.api.create(R.deployments, 'default', d);
  await cp.settle();
  t.is(podsOf(cp, 'web').length, 0);
  const rs = [...cp.informers.list(R.replicaSets)][0];
  const evs = (await cp.api.list(EVENTS, 'default')).items.filter((e) => e['reason'] === 'FailedCreate');
  t.is(evs.length, 1);
  t.like(evs[0], {
    type: 'Warning',
    involvedObject: { kind: 'ReplicaSet', name: rs?.metadata.name ?? '?' },
    source: { component: 'replicaset-controller' },
    message: `Error creating: pods "${rs?.metadata.name ?? '?'}-" is forbidden: error looking up service account default/web-sa: serviceaccount "web-sa" not found`,
  });
  await cp.api.create(SA, 'default', { metadata: { name: 'web-sa' } });
  await cp.settle();
  t.is(podsOf(cp, 'web').filter((p) => specOf(p)['serviceAccountName'] === 'web-sa').length, 2);
});
