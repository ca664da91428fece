import test from 'ava';
import type { KubeObject } from '../../src/api/index.js';
import { CONTROLLER_REVISION_HASH, R, specOf, statusOf } from '../../src/controllers/index.js';
import { cluster, list, nodeOf } from './harness.js';

function daemonSet(name: string, extra: { nodeSelector?: Record<string, string>; image?: string; hostNetwork?: boolean; strategy?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      ...(extra.strategy === undefined ? {} : { updateStrategy: extra.strategy }),
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'agent', image: extra.image ?? 'agent:1' }],
          ...(extra.nodeSelector === undefined ? {} : { nodeSelector: extra.nodeSelector }),
          ...(extra.hostNetwork === true ? { hostNetwork: true } : {}),
        },
      },
    },
  };
}

function daemonPods(cp: Awaited<ReturnType<typeof cluster>>['cp'], app: string): KubeObject[] {
  return list(cp, R.pods).filter((p) => p.metadata.labels?.['app'] === app && p.metadata.deletionTimestamp === undefined);
}

test('one pod on every node, bound there by the scheduler through a node affinity naming it; a cordoned node gets one too', async (t) => {
  const { cp } = await cluster(3);
  await cp.api.patch(R.nodes, '', 'node-3', 'merge', { spec: { unschedulable: true } });
  await cp.api.create(R.daemonSets, 'default', daemonSet('agent'));
  await cp.settle();
  const pods = daemonPods(cp, 'agent');
  t.deepEqual(pods.map(nodeOf).sort(), ['node-1', 'node-2', 'node-3']);
  const p1 = pods.find((p) => nodeOf(p) === 'node-1');
  t.deepEqual(getTerms(p1), [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }]);
  t.true(p1?.metadata.name?.startsWith('agent-'));
  t.is(p1?.metadata.labels?.['pod-template-generation'], '1');
  // Daemon pods ride out node trouble: the not-ready and unreachable tolerations carry no tolerationSeconds.
  const tol = (specOf(p1 ?? ({} as KubeObject))['tolerations'] ?? []) as { key: string; effect: string; tolerationSeconds?: number }[];
  t.like(tol.find((x) => x.key === 'node.kubernetes.io/unreachable'), { effect: 'NoExecute' });
  t.is(tol.find((x) => x.key === 'node.kubernetes.io/unreachable')?.tolerationSeconds, undefined);
  const ds = cp.informers.get(R.daemonSets, 'default', 'agent');
  t.like(statusOf(ds ?? ({} as KubeObject)), { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberMisscheduled: 0, observedGeneration: 1 });
});

test('nodeSelector and taints decide which nodes run it; a node that joins or is relabelled follows', async (t) => {
  const { cp } = await cluster(3);
  await cp.api.patch(R.nodes, '', 'node-1', 'merge', { metadata: { labels: { role: 'edge' } } });
  await cp.api.patch(R.nodes, '', 'node-2', 'merge', { metadata: { labels: { role: 'edge' } }, spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } });
  await cp.api.create(R.daemonSets, 'default', daemonSet('edge', { nodeSelector: { role: 'edge' } }));
  await cp.settle();
  t.deepEqual(daemonPods(cp, 'edge').map(nodeOf), ['node-1'], 'node-2 taints it away, node-3 lacks the label');
  await cp.addNode({ name: 'node-4', ip: '192.168.50.20', labels: { role: 'edge' }, capacity: { cpu: '4', memory: '16Gi', pods: '110' } });
  await cp.settle();
  t.deepEqual(daemonPods(cp, 'edge').map(nodeOf).sort(), ['node-1', 'node-4']);
  await cp.api.patch(R.nodes, '', 'node-1', 'merge', { metadata: { labels: { role: null } } });
  await cp.settle();
  t.deepEqual(daemonPods(cp, 'edge').map(nodeOf), ['node-4'], 'the pod on a node that no longer matches is deleted');
});

test('a template change rolls out one node at a time (maxUnavailable 1): never two nodes without an available pod', async (t) => {
  const { cp } = await cluster(3);
  await cp.api.create(R.daemonSets, 'default', daemonSet('agent'));
  await cp.settle();
  const oldHash = daemonPods(cp, 'agent')[0]?.metadata.labels?.[CONTROLLER_REVISION_HASH];
  let worst = 0;
  cp.informers.on(R.pods, () => {
    const ready = daemonPods(cp, 'agent').filter((p) => (statusOf(p)['conditions'] as { type: string; status: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True'));
    worst = Math.max(worst, 3 - ready.length);
  });
  await cp.api.patch(R.daemonSets, 'default', 'agent', 'merge', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
  await cp.settle();
  const pods = daemonPods(cp, 'agent');
  t.deepEqual(pods.map(nodeOf).sort(), ['node-1', 'node-2', 'node-3']);
  t.true(pods.every((p) => (specOf(p)['containers'] as { image: string }[])[0]?.image === 'agent:2'));
  t.true(pods.every((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] !== oldHash));
  t.is(worst, 1, 'at most one node at a time lacked a ready pod');
  const ds = cp.informers.get(R.daemonSets, 'default', 'agent');
  t.like(statusOf(ds ?? ({} as KubeObject)), { updatedNumberScheduled: 3, numberAvailable: 3, observedGeneration: 2 });
  // The template generation counts template changes only (the DaemonSet strategy), and labels the new pods.
  t.is(ds?.metadata.annotations?.['deprecated.daemonset.template.generation'], '2');
  t.true(pods.every((p) => p.metadata.labels?.['pod-template-generation'] === '2'));
  await cp.api.patch(R.daemonSets, 'default', 'agent', 'merge', { spec: { minReadySeconds: 5 } });
  const after = cp.informers.get(R.daemonSets, 'default', 'agent');
  t.is(after?.metadata.generation, 3);
  t.is(after?.metadata.annotations?.['deprecated.daemonset.template.generation'], '2');
});

test('OnDelete: a template change replaces nothing until a pod is deleted; deleting the DaemonSet takes its pods', async (t) => {
  const { cp } = await cluster(2);
  await cp.api.create(R.daemonSets, 'default', daemonSet('agent', { strategy: { type: 'OnDelete' } }));
  await cp.settle();
  await cp.api.patch(R.daemonSets, 'default', 'agent', 'merge', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
  await cp.settle();
  const images = (): string[] => daemonPods(cp, 'agent').map((p) => `${nodeOf(p)}=${(specOf(p)['containers'] as { image: string }[])[0]?.image ?? ''}`).sort();
  t.deepEqual(images(), ['node-1=agent:1', 'node-2=agent:1']);
  const onTwo = daemonPods(cp, 'agent').find((p) => nodeOf(p) === 'node-2');
  await cp.api.delete(R.pods, 'default', onTwo?.metadata.name ?? '');
  await cp.settle();
  t.deepEqual(images(), ['node-1=agent:1', 'node-2=agent:2']);
  await cp.api.delete(R.daemonSets, 'default', 'agent');
  await cp.settle();
  t.deepEqual(daemonPods(cp, 'agent'), []);
});

function getTerms(p: KubeObject | undefined): unknown {
  const aff = specOf(p ?? ({} as KubeObject))['affinity'] as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: unknown } } } | undefined;
  return aff?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
}
