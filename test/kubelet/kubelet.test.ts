import test from 'ava';
import { R } from '../../src/controllers/index.js';
import { cluster, deployment, podsOf } from '../controllers/harness.js';

test('the kubelet keeps conditions it does not own (a readiness gate\'s, an eviction\'s) ahead of its own when it rewrites a pod\'s status', async (t) => {
  const { cp } = await cluster(1);
  await cp.api.create(R.deployments, 'default', deployment('web', 1));
  await cp.settle();
  const name = podsOf(cp, 'web')[0]?.metadata.name ?? '';
  const pod = await cp.api.get(R.pods, 'default', name);
  const st = pod['status'] as { conditions: { type: string; status: string }[] };
  // Someone else's condition, and the kubelet's Ready knocked over so that the kubelet must write the status again.
  const conditions = [...st.conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c)), { type: 'example.com/gate', status: 'True' }];
  await cp.api.update(R.pods, 'default', name, { ...pod, status: { ...st, conditions } }, { subresource: 'status' });
  await cp.settle();
  const after = ((cp.informers.get(R.pods, 'default', name)?.['status'] as { conditions: { type: string; status: string }[] }).conditions ?? []).map((c) => `${c.type}=${c.status}`);
  t.deepEqual(after, ['example.com/gate=True', 'PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
});
