import test from 'ava';
import { resourceByPlural } from '../../src/api/index.js';
import { isApiError } from '../../src/apiserver/index.js';
import { microTime } from '../../src/apiserver/index.js';
import { cluster } from '../controllers/harness.js';

const LEASES = resourceByPlural('coordination.k8s.io', 'leases');
const NODES = resourceByPlural('', 'nodes');

test('microTime writes six fractional digits, as metav1.MicroTime marshals', (t) => {
  t.is(microTime(Date.UTC(2025, 0, 1, 0, 0, 10, 250)), '2025-01-01T00:00:10.250000Z');
});

test('each kubelet holds a Lease in kube-node-lease, owned by its Node, renewed every 10 s and left stale when the node fails', async (t) => {
  if (LEASES === undefined || NODES === undefined) return t.fail('registry');
  const { cp } = await cluster(['node-1', 'node-2']);
  const start = cp.clock.now();
  const node = await cp.api.get(NODES, '', 'node-1');
  const lease = await cp.api.get(LEASES, 'kube-node-lease', 'node-1');
  t.deepEqual(lease['spec'], { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: microTime(start) });
  t.deepEqual(lease.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: node.metadata.uid ?? '' }]);

  await cp.advance(25_000);
  // Renewed at 10 s and 20 s: the loop settles at each timer on the way (the node monitor's 5 s period), and the
  // renewal due at 20 s is written then.
  const renewed = await cp.api.get(LEASES, 'kube-node-lease', 'node-1');
  t.is((renewed['spec'] as { renewTime: string }).renewTime, microTime(start + 20_000));

  cp.failNode('node-2');
  await cp.advance(30_000);
  const stale = await cp.api.get(LEASES, 'kube-node-lease', 'node-2');
  const live = await cp.api.get(LEASES, 'kube-node-lease', 'node-1');
  t.is((stale['spec'] as { renewTime: string }).renewTime, microTime(start + 20_000));
  t.is((live['spec'] as { renewTime: string }).renewTime, microTime(start + 50_000));
});

test('a Lease with a non-positive duration or negative transitions is refused with the field named; the alpha strategy fields are dropped', async (t) => {
  if (LEASES === undefined) return t.fail('registry');
  const { cp } = await cluster(['node-1']);
  const bad = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'x' }, spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } };
  const err = await t.throwsAsync(cp.api.create(LEASES, 'default', bad));
  t.true(isApiError(err));
  if (!isApiError(err)) return;
  t.is(err.status.code, 422);
  t.deepEqual(
    err.status.details?.causes?.map((c) => c.field),
    ['spec.leaseDurationSeconds', 'spec.leaseTransitions'],
  );
  await t.throwsAsync(cp.api.get(LEASES, 'default', 'x'));
  const ok = await cp.api.create(LEASES, 'default', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'y' }, spec: { holderIdentity: 'me', strategy: 'OldestEmulationVersion', preferredHolder: 'you' } });
  t.deepEqual(ok['spec'], { holderIdentity: 'me' });
});
