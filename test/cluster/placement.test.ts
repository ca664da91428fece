import test from 'ava';
import { LiveCluster, buildCluster } from '../../src/cluster/index.js';
import { buildClusterAuto } from '../../src/cluster/build.js';
import { InputError } from '../../src/lib/index.js';
import { parseTopology, type TopologySpec } from '../../src/topology/index.js';
import { R } from '../../src/controllers/index.js';

/** Where the topology build puts pods that name no node: round-robin over the nodes their nodeSelector allows. */
const TOPOLOGY = `apiVersion: kubewire/v1
kind: Topology
metadata: {name: zones}
cluster:
  clusterCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
  nodeNetwork: {cidr: 192.168.50.0/24}
nodes:
  - {name: n1, ip: 192.168.50.11, podCIDR: 10.244.1.0/24, labels: {zone: a}}
  - {name: n2, ip: 192.168.50.12, podCIDR: 10.244.2.0/24, labels: {zone: b}}
  - {name: n3, ip: 192.168.50.13, podCIDR: 10.244.3.0/24, labels: {zone: b}}
manifests: [./apps.yaml]
`;

const deployment = (name: string, replicas: number, nodeSelector?: Record<string, string>) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
${nodeSelector === undefined ? '' : `      nodeSelector: ${JSON.stringify(nodeSelector)}\n`}      containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]
`;

async function topo(apps: string): Promise<TopologySpec> {
  return parseTopology(TOPOLOGY, '/virtual/topology.yaml', async (p) => {
    if (p.endsWith('apps.yaml')) return apps;
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  });
}

function nodesOf(pods: Iterable<{ readonly key: string; readonly node: string }>, prefix: string): string[] {
  return [...pods].filter((p) => p.key.startsWith(`default/${prefix}-`)).map((p) => p.node).sort();
}

test('a nodeSelector keeps a Deployment\'s pods on the matching nodes, spread round-robin over them; the others still spread over all', async (t) => {
  const c = buildCluster(await topo(`${deployment('zb', 4, { zone: 'b' })}---\n${deployment('any', 3)}`));
  t.deepEqual(nodesOf(c.pods.values(), 'zb'), ['n2', 'n2', 'n3', 'n3']);
  t.deepEqual(nodesOf(c.pods.values(), 'any'), ['n1', 'n2', 'n3']);
});

test('the kubelet\'s well-known node labels select too (kubernetes.io/os, kubernetes.io/hostname)', async (t) => {
  const c = buildCluster(await topo(`${deployment('linux', 3, { 'kubernetes.io/os': 'linux' })}---\n${deployment('pinned', 2, { 'kubernetes.io/hostname': 'n3' })}`));
  t.deepEqual(nodesOf(c.pods.values(), 'linux'), ['n1', 'n2', 'n3']);
  t.deepEqual(nodesOf(c.pods.values(), 'pinned'), ['n3', 'n3']);
});

test('a nodeSelector no node matches is KW_CLUSTER_NO_NODE in the scheduler\'s words, naming the pod', async (t) => {
  const spec = await topo(deployment('nowhere', 1, { zone: 'c' }));
  const e = t.throws(() => buildCluster(spec), { instanceOf: InputError });
  t.is(e?.code, 'KW_CLUSTER_NO_NODE');
  t.regex(e?.message ?? '', /^pod default\/nowhere-\S+ cannot be placed: 0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector/);
});

test('the live cluster\'s scheduler puts the same pods on the same nodes', async (t) => {
  const spec = await topo(deployment('zb', 4, { zone: 'b' }));
  const live = await LiveCluster.start(spec);
  t.deepEqual(nodesOf(live.cluster().pods.values(), 'zb'), nodesOf(buildCluster(spec).pods.values(), 'zb'));
});

/** A Deployment whose pods require node affinity instead of a nodeSelector (`affinity` is the YAML under `nodeAffinity:`). */
const withAffinity = (name: string, replicas: number, terms: string, kind = 'Deployment') => `apiVersion: apps/v1
kind: ${kind}
metadata: {name: ${name}, namespace: default}
spec:
${kind === 'DaemonSet' ? '' : `  replicas: ${replicas}\n`}  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: ${terms}}}}
      containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]
`;

test('required node affinity places pods as the scheduler does (any term, matchFields on the node name), in the build and in the live cluster alike', async (t) => {
  const spec = await topo(
    [
      withAffinity('zb', 4, '[{matchExpressions: [{key: zone, operator: In, values: [b]}]}]'),
      withAffinity('not-n2', 4, '[{matchExpressions: [{key: zone, operator: NotIn, values: [b]}]}, {matchFields: [{key: metadata.name, operator: In, values: [n3]}]}]'),
      withAffinity('agent', 0, '[{matchExpressions: [{key: zone, operator: Exists}, {key: kubernetes.io/hostname, operator: NotIn, values: [n3]}]}]', 'DaemonSet'),
    ].join('---\n'),
  );
  const c = buildCluster(spec);
  t.deepEqual(nodesOf(c.pods.values(), 'zb'), ['n2', 'n2', 'n3', 'n3']);
  // n3 already holds two zb pods: the least-allocated score sends not-n2's pods to n1 until the loads tie.
  t.deepEqual(nodesOf(c.pods.values(), 'not-n2'), ['n1', 'n1', 'n1', 'n3']);
  t.deepEqual(nodesOf(c.pods.values(), 'agent'), ['n1', 'n2']);
  const live = await LiveCluster.start(spec, { coreDns: false });
  for (const name of ['zb', 'not-n2', 'agent']) t.deepEqual(nodesOf(live.cluster().pods.values(), name), nodesOf(c.pods.values(), name), name);
});

test('required node affinity no node matches is KW_CLUSTER_NO_NODE, naming the terms', async (t) => {
  const spec = await topo(withAffinity('nowhere', 1, '[{matchExpressions: [{key: zone, operator: In, values: [c]}]}]'));
  const e = t.throws(() => buildCluster(spec), { instanceOf: InputError });
  t.is(e?.code, 'KW_CLUSTER_NO_NODE');
  t.regex(e?.message ?? '', /0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector .*required node affinity \[\{"matchExpressions":\[\{"key":"zone","operator":"In","values":\["c"\]\}\]\}\]/);
});

const daemonSet = (name: string, nodeSelector?: Record<string, string>, hostNetwork = false) => `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${name}, namespace: default}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
${nodeSelector === undefined ? '' : `      nodeSelector: ${JSON.stringify(nodeSelector)}\n`}${hostNetwork ? '      hostNetwork: true\n' : ''}      containers: [{name: c, image: x, ports: [{containerPort: 9100}]}]
`;

const statefulSet = (name: string, replicas: number) => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}, namespace: default}
spec:
  serviceName: ${name}
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
`;

test('a DaemonSet in the topology runs one pod on every node its nodeSelector matches, in the build and in the live cluster alike', async (t) => {
  const spec = await topo(`${daemonSet('agent')}---\n${daemonSet('zone-b', { zone: 'b' })}---\n${daemonSet('exporter', undefined, true)}`);
  const c = buildCluster(spec);
  t.deepEqual(nodesOf(c.pods.values(), 'agent'), ['n1', 'n2', 'n3']);
  t.deepEqual(nodesOf(c.pods.values(), 'zone-b'), ['n2', 'n3']);
  // A host-network daemon pod has its node's address.
  const exporters = [...c.pods.values()].filter((p) => p.key.startsWith('default/exporter-'));
  t.deepEqual(exporters.map((p) => [p.node, p.ip]).sort(), [...c.nodes.values()].map((n) => [n.spec.name, n.spec.ip]).sort());
  t.like([...c.pods.values()].find((p) => p.key.startsWith('default/agent-'))?.labels, { app: 'agent', 'pod-template-generation': '1' });
  const live = await LiveCluster.start(spec);
  for (const ds of ['agent', 'zone-b', 'exporter']) t.deepEqual(nodesOf(live.cluster().pods.values(), ds), nodesOf(c.pods.values(), ds), ds);
});

test('a StatefulSet in the topology makes <set>-0 … <set>-(n-1), labelled with name and ordinal, spread round-robin; the live cluster makes the same pods', async (t) => {
  const spec = await topo(statefulSet('db', 4));
  const c = buildCluster(spec);
  const pods = [...c.pods.values()].filter((p) => p.key.startsWith('default/db-'));
  t.deepEqual(pods.map((p) => `${p.key} ${p.node}`), ['default/db-0 n1', 'default/db-1 n2', 'default/db-2 n3', 'default/db-3 n1']);
  t.like(pods[2]?.labels, { app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-2', 'apps.kubernetes.io/pod-index': '2' });
  // The live scheduler also weighs what else runs (CoreDNS), so only the pods themselves must agree.
  const live = await LiveCluster.start(spec);
  t.deepEqual([...live.cluster().pods.keys()].filter((k) => k.startsWith('default/db-')).sort(), pods.map((p) => p.key));
});

test('a DaemonSet whose selector does not match its template is refused, naming the file and field', async (t) => {
  const bad = daemonSet('agent').replace('selector: {matchLabels: {app: agent}}', 'selector: {matchLabels: {app: other}}');
  const e = await t.throwsAsync(topo(bad), { instanceOf: InputError });
  t.is(e?.code, 'KW_TOPOLOGY_INVALID_MANIFEST');
  t.regex(e?.message ?? '', /`selector` does not match template `labels`/);
  t.regex(e?.where ?? '', /apps\.yaml \(document 1\): \/spec\/template\/metadata\/labels/);
});

test('pods publishing one hostPort take one node each, as the NodePorts filter spreads them; one too many is KW_CLUSTER_NO_NODE', async (t) => {
  const withHostPort = (name: string, replicas: number, selector?: Record<string, string>) => deployment(name, replicas, selector).replace('ports: [{containerPort: 8080}]', 'ports: [{containerPort: 8080, hostPort: 80}]');
  const built = await buildClusterAuto(await topo(`${withHostPort('edge', 3)}---\n${deployment('any', 2)}`));
  t.deepEqual(nodesOf(built.pods.values(), 'edge'), ['n1', 'n2', 'n3']);
  t.deepEqual(nodesOf(built.pods.values(), 'any'), ['n1', 'n2']);
  const e = await t.throwsAsync(async () => buildClusterAuto(await topo(withHostPort('edge', 3, { zone: 'b' }))), { instanceOf: InputError });
  t.is(e?.code, 'KW_CLUSTER_NO_NODE');
  t.regex(e?.message ?? '', /cannot be placed: 0\/3 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector, 2 node\(s\) didn't have free ports for the requested pod ports/);
});

/** A Deployment whose pods carry required podAffinity / podAntiAffinity terms (YAML flow lists of PodAffinityTerms). */
const withPodAffinity = (name: string, replicas: number, terms: { affinity?: string; anti?: string }, labels = `{app: ${name}}`) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: ${replicas}
  selector: {matchLabels: ${labels}}
  template:
    metadata: {labels: ${labels}}
    spec:
      affinity:
${terms.affinity === undefined ? '' : `        podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: ${terms.affinity}}\n`}${terms.anti === undefined ? '' : `        podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: ${terms.anti}}\n`}      containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]
`;
const onHost = (selector: string, extra = '') => `[{labelSelector: {matchLabels: ${selector}}, topologyKey: kubernetes.io/hostname${extra}}]`;

test('required pod anti-affinity keeps replicas apart, and keeps other pods out of their nodes, in the build and in the live cluster alike', async (t) => {
  const spec = await topo(
    [
      withPodAffinity('ha', 2, { anti: onHost('{app: ha}') }),
      // Its pods refuse nodes holding app=noisy; the noisy pods come later and must keep off ha's nodes (the symmetric rule).
      withPodAffinity('quiet', 1, { anti: onHost('{app: noisy}') }),
      deployment('noisy', 2),
    ].join('---\n'),
  );
  const c = buildCluster(spec);
  t.deepEqual(nodesOf(c.pods.values(), 'ha'), ['n1', 'n2']);
  const quiet = nodesOf(c.pods.values(), 'quiet');
  t.deepEqual(quiet, ['n3']);
  t.false(nodesOf(c.pods.values(), 'noisy').includes('n3'), 'no noisy pod on the quiet pod\'s node');
  // Without CoreDNS, whose pods the live scheduler's least-allocated score would weigh, the live scheduler sees what the
  // build sees.
  const live = await LiveCluster.start(spec, { coreDns: false });
  for (const name of ['ha', 'quiet', 'noisy']) t.deepEqual(nodesOf(live.cluster().pods.values(), name), nodesOf(c.pods.values(), name), name);
  // With CoreDNS the score may pick other nodes, but never ones the rules refuse.
  const withDns = (await LiveCluster.start(spec)).cluster().pods.values();
  const pods = [...withDns];
  t.is(new Set(nodesOf(pods, 'ha')).size, 2);
  t.false(nodesOf(pods, 'noisy').some((n) => nodesOf(pods, 'quiet').includes(n)));
});

test('one replica more than nodes under anti-affinity on the hostname: the build refuses it in the scheduler\'s words, the live cluster leaves it Pending with them', async (t) => {
  const spec = await topo(withPodAffinity('ha', 4, { anti: onHost('{app: ha}') }));
  const e = t.throws(() => buildCluster(spec), { instanceOf: InputError });
  t.is(e?.code, 'KW_CLUSTER_NO_NODE');
  t.regex(e?.message ?? '', /cannot be placed: 0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules$/);
  const live = await LiveCluster.start(spec);
  t.deepEqual(nodesOf(live.cluster().pods.values(), 'ha'), ['n1', 'n2', 'n3']);
  const pending = [...live.controlPlane.informers.list(R.pods)].filter((p) => p.metadata.name?.startsWith('ha-') === true && (p['spec'] as { nodeName?: string }).nodeName === undefined);
  t.is(pending.length, 1);
  const cond = ((pending[0]?.['status'] as { conditions?: { type: string; message?: string }[] }).conditions ?? []).find((x) => x.type === 'PodScheduled');
  t.is(cond?.message, "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
});

test('required pod affinity puts pods with the pods they name; the first of a self-affine group goes anywhere and the rest follow it', async (t) => {
  const spec = await topo(
    [
      withPodAffinity('web', 1, {}),
      withPodAffinity('cache', 2, { affinity: onHost('{app: web}') }),
      withPodAffinity('pack', 3, { affinity: onHost('{app: pack}') }),
      // namespaceSelector {} reaches every namespace; the term's own namespace list alone would name only default.
      withPodAffinity('near-dns', 1, { affinity: `[{labelSelector: {matchLabels: {app: web}}, namespaceSelector: {}, topologyKey: zone}]` }),
    ].join('---\n'),
  );
  const c = buildCluster(spec);
  const web = nodesOf(c.pods.values(), 'web');
  t.deepEqual(nodesOf(c.pods.values(), 'cache'), [...web, ...web]);
  const pack = nodesOf(c.pods.values(), 'pack');
  t.is(new Set(pack).size, 1, `all of pack on one node: ${pack.join(', ')}`);
  // web runs on n1 (zone a), so near-dns may go only to zone a's node.
  t.deepEqual(nodesOf(c.pods.values(), 'near-dns'), ['n1']);
  const live = await LiveCluster.start(spec, { coreDns: false });
  for (const name of ['web', 'cache', 'near-dns']) t.deepEqual(nodesOf(live.cluster().pods.values(), name), nodesOf(c.pods.values(), name), name);
  t.is(new Set(nodesOf(live.cluster().pods.values(), 'pack')).size, 1);
});

test('pod affinity to pods that do not exist is KW_CLUSTER_NO_NODE in the scheduler\'s words', async (t) => {
  const spec = await topo(withPodAffinity('lonely', 1, { affinity: onHost('{app: ghost}') }));
  const e = t.throws(() => buildCluster(spec), { instanceOf: InputError });
  t.regex(e?.message ?? '', /0\/3 nodes are available: 3 node\(s\) didn't match pod affinity rules/);
});

/** Four nodes, zone a listed first twice: round-robin alone would put 3 of 4 replicas in zone a. */
const ZONED = TOPOLOGY.replace('nodes:\n', 'nodes:\n  - {name: n0, ip: 192.168.50.10, podCIDR: 10.244.0.0/24, labels: {zone: a}}\n');
const spread = (name: string, replicas: number, constraints: string, nodeSelector?: Record<string, string>) => deployment(name, replicas, nodeSelector).replace('      containers:', `      topologySpreadConstraints: ${constraints}\n      containers:`);

async function zoned(apps: string): Promise<TopologySpec> {
  return parseTopology(ZONED, '/virtual/topology.yaml', async (p) => {
    if (p.endsWith('apps.yaml')) return apps;
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  });
}

test('DoNotSchedule topology spread keeps zones within maxSkew where the least-allocated score alone would not, in the build and in the live cluster alike', async (t) => {
  // Zone b's nodes are busy, so the score alone would put both replicas in zone a.
  const busy = ['n2', 'n3'].map((n) => `apiVersion: v1\nkind: Pod\nmetadata: {name: busy-${n}, namespace: default}\nspec: {nodeName: ${n}, containers: [{name: c, image: x}]}\n`).join('---\n');
  const byZone = '[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}]';
  const zones = (nodes: string[]) => nodes.map((n) => (n === 'n0' || n === 'n1' ? 'a' : 'b')).sort();
  const free = buildCluster(await zoned(`${busy}---\n${deployment('web', 2)}`));
  t.deepEqual(zones(nodesOf(free.pods.values(), 'web')), ['a', 'a']);
  const spec = await zoned(`${busy}---\n${spread('web', 2, byZone)}`);
  const c = buildCluster(spec);
  t.deepEqual(zones(nodesOf(c.pods.values(), 'web')), ['a', 'b']);
  const live = await LiveCluster.start(spec, { coreDns: false });
  t.deepEqual(nodesOf(live.cluster().pods.values(), 'web'), nodesOf(c.pods.values(), 'web'));
  // ScheduleAnyway is a score, not a filter: as with no constraint.
  const soft = buildCluster(await zoned(`${busy}---\n${spread('web', 2, byZone.replace('DoNotSchedule', 'ScheduleAnyway'))}`));
  t.deepEqual(zones(nodesOf(soft.pods.values(), 'web')), ['a', 'a']);
});

test('topology spread counts only the domains the pod\'s nodeSelector allows, and a node without the key is refused with its own reason', async (t) => {
  const byHost = '[{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: b}}}]';
  const c = buildCluster(await zoned(spread('b', 4, byHost, { zone: 'b' })));
  t.deepEqual(nodesOf(c.pods.values(), 'b'), ['n2', 'n2', 'n3', 'n3']);
  const byRack = '[{maxSkew: 1, topologyKey: rack, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: r}}}]';
  const noRack = await zoned(spread('r', 1, byRack));
  const e = t.throws(() => buildCluster(noRack), { instanceOf: InputError });
  t.regex(e?.message ?? '', /0\/4 nodes are available: 4 node\(s\) didn't match pod topology spread constraints \(missing required label\)/);
});

test('a pod whose required affinity names pods created after it waits for them, as in the scheduler\'s queue, in the build and in the live cluster alike', async (t) => {
  const spec = await topo([withPodAffinity('cache', 2, { affinity: onHost('{app: web}') }), withPodAffinity('web', 1, {})].join('---\n'));
  const c = buildCluster(spec);
  const web = nodesOf(c.pods.values(), 'web');
  t.deepEqual(nodesOf(c.pods.values(), 'cache'), [...web, ...web]);
  const live = await LiveCluster.start(spec, { coreDns: false });
  t.deepEqual(nodesOf(live.cluster().pods.values(), 'cache'), nodesOf(c.pods.values(), 'cache'));
  t.deepEqual(nodesOf(live.cluster().pods.values(), 'web'), web);
});

test('a limit without a request is requested, as the API server defaults a Pod: limits-only pods fill nodes, in the build and under serve alike', async (t) => {
  // 4 CPUs each on nodes of 8: two a node, and the seventh fits nowhere.
  const capped = (replicas: number) => deployment('capped', replicas).replace('containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]', 'containers: [{name: c, image: x, resources: {limits: {cpu: "4"}}}]');
  const spec = await topo(capped(6));
  t.deepEqual(nodesOf(buildCluster(spec).pods.values(), 'capped'), ['n1', 'n1', 'n2', 'n2', 'n3', 'n3']);
  const seven = await topo(capped(7));
  const e = t.throws(() => buildCluster(seven), { instanceOf: InputError });
  t.regex(e?.message ?? '', /cannot be placed: 0\/3 nodes are available: 3 Insufficient cpu$/);
  const live = await LiveCluster.start(seven, { coreDns: false });
  t.is(nodesOf(live.cluster().pods.values(), 'capped').length, 6, 'the seventh stays Pending');
});
