import test from 'ava';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { LiveCluster, buildCluster, traceInCluster } from '../../../src/cluster/index.js';
import { ip4ToString } from '../../../src/addr/index.js';
import { loadTopology, parseTopology } from '../../../src/topology/index.js';
import { resourceByKind } from '../../../src/api/index.js';
import { TWO_NODE_PODS, twoNodeYaml } from '../../helpers/cluster.js';

const TOPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'topologies', 'three-node.yaml');

function deliveredPods(live: LiveCluster, to = 'svc/demo/web:80'): string[] {
  const r = traceInCluster(live.cluster(), { from: 'pod/demo/client', to });
  return [...new Set(r.paths.filter((p) => p.verdict === 'delivered').map((p) => p.delivered?.pod ?? '?'))].sort();
}

test('a topology brought up through the API: pods scheduled and running, Services allocated as buildCluster allocates them, traces deliver', async (t) => {
  const topo = await loadTopology(TOPO);
  const live = await LiveCluster.start(topo);
  const c = live.cluster();
  const web = [...c.pods.values()].filter((p) => p.labels['app'] === 'web');
  t.is(web.length, 3);
  t.deepEqual(web.map((p) => p.node).sort(), ['node-a', 'node-b', 'node-c']);
  t.true(web.every((p) => p.ready));
  t.is(c.pods.get('demo/client')?.node, 'node-a', 'spec.nodeName honoured');
  // ClusterIPs and nodePorts come from the same hash as buildCluster's.
  const built = buildCluster(topo);
  for (const key of ['demo/web', 'demo/web-nodeport', 'demo/api', 'default/kubernetes']) {
    t.is(c.services.get(key)?.spec?.clusterIP, built.services.get(key)?.spec?.clusterIP, key);
  }
  t.is(c.services.get('demo/web-nodeport')?.spec?.ports?.[0]?.nodePort, 30080);
  t.deepEqual(deliveredPods(live), web.map((p) => p.key).sort());
  t.deepEqual(
    c.announcements.map((a) => `${a.service} ${ip4ToString(a.ip)} ${a.mode}`),
    [...c.services.values()].filter((s) => s.spec?.type === 'LoadBalancer').map((s) => `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''} ${s.status?.loadBalancer?.ingress?.[0]?.ip ?? ''} bgp`).sort(),
  );
});

test('a node failure reschedules its pods with new IPs, and the ClusterIP trace delivers to the new backends', async (t) => {
  const live = await LiveCluster.start(await loadTopology(TOPO));
  const before = deliveredPods(live);
  const onB = [...live.cluster().pods.values()].filter((p) => p.node === 'node-b' && p.labels['app'] === 'web');
  t.is(onB.length, 1);
  const lostIp = onB[0]?.ip;
  live.failNode('node-b');
  await live.advance(60_000);
  // NotReady and pods marked not ready: endpoints drop the pod on node-b at once.
  t.deepEqual(deliveredPods(live), before.filter((p) => p !== onB[0]?.key));
  await live.advance(300_000);
  const after = deliveredPods(live);
  t.is(after.length, 3);
  t.notDeepEqual(after, before);
  const c = live.cluster();
  const webNow = after.map((k) => c.pods.get(k));
  t.true(webNow.every((p) => p !== undefined && p.node !== 'node-b'));
  t.false(webNow.some((p) => p?.ip === lostIp), 'the replacement has a new address');
  t.log(`before: ${before.join(', ')}; after: ${after.join(', ')}`);
});

test('scale changes the delivered set; DNS answers from the live objects; env vars as the kubelet sets them', async (t) => {
  const live = await LiveCluster.start(await loadTopology(TOPO));
  await live.scale('demo/web', 5);
  t.is(deliveredPods(live).length, 5);
  const svcIp = live.cluster().services.get('demo/web')?.spec?.clusterIP;
  const a = live.resolve('web', 'A', 'demo');
  t.is(a.name, 'web.demo.svc.cluster.local.');
  t.deepEqual(a.answers.map((r) => r.data), [svcIp]);
  const srv = live.resolve('_http._tcp.web.demo.svc.cluster.local.', 'SRV');
  t.deepEqual(srv.answers.map((r) => r.data), ['0 100 80 web.demo.svc.cluster.local.']);
  t.is(live.resolve('nope.demo.svc.cluster.local.', 'A').rcode, 'NXDOMAIN');
  const dns = live.resolve('kube-dns.kube-system', 'A');
  t.deepEqual(dns.answers.map((r) => r.data), ['10.96.0.10']);
  // A pod's DNS query reaches the CoreDNS pods through the kube-dns Service.
  const paths = traceInCluster(live.cluster(), { from: 'pod/demo/client', to: 'svc/kube-system/kube-dns:dns' }).paths;
  t.true(paths.length === 2 && paths.every((p) => p.verdict === 'delivered' && (p.delivered?.pod ?? '').startsWith('kube-system/coredns-')));
  const env = new Map(live.env('demo', 'client').map((e) => [e.name, e.value]));
  t.is(env.get('WEB_SERVICE_HOST'), svcIp);
  t.is(env.get('WEB_SERVICE_PORT'), '80');
  t.is(env.get('WEB_SERVICE_PORT_HTTP'), '80');
  t.is(env.get('WEB_PORT'), `tcp://${svcIp ?? ''}:80`);
  t.is(env.get('WEB_PORT_80_TCP_ADDR'), svcIp);
  t.is(env.get('WEB_NODEPORT_PORT_80_TCP_PROTO'), 'tcp');
  t.is(env.get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
  t.false([...env.keys()].some((k) => k.startsWith('KUBE_DNS')), 'other namespaces’ Services are not linked');
});

test('a topology\'s ConfigMaps are created through the API (kubectl can read them), with the manifest\'s data', async (t) => {
  const pods = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-cfg, namespace: team}\ndata: {color: blue}\n---\n' + TWO_NODE_PODS;
  const topo = await parseTopology(twoNodeYaml(), '/virtual/topology.yaml', async (p) => {
    if (p.endsWith('pods.yaml')) return pods;
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  });
  const live = await LiveCluster.start(topo);
  const cm = resourceByKind('v1', 'ConfigMap');
  if (cm === undefined) return t.fail('ConfigMap is not a served kind');
  const got = await live.controlPlane.api.get(cm, 'team', 'app-cfg');
  t.deepEqual(got['data'], { color: 'blue' });
});

test('a topology\'s ServiceAccounts, Secrets, RBAC, Ingresses and budgets are created through the API, and a pod may run as the account', async (t) => {
  const objects = `apiVersion: v1
kind: ServiceAccount
metadata: {name: runner}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: hunter2}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:pod-reader"}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: runner-reads}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:pod-reader"}
subjects: [{kind: ServiceAccount, name: runner, namespace: default}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: a}
spec: {minAvailable: 1, selector: {matchLabels: {app: a}}}
---
apiVersion: v1
kind: Pod
metadata: {name: as-runner, labels: {app: r}}
spec: {nodeName: n2, serviceAccountName: runner, containers: [{name: c, image: x}]}
---
`;
  const topo = await parseTopology(twoNodeYaml(), '/virtual/topology.yaml', async (p) => {
    if (p.endsWith('pods.yaml')) return objects + TWO_NODE_PODS;
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  });
  // The static build keeps them and builds nothing from them.
  t.is(buildCluster(topo).pods.get('default/as-runner')?.node, 'n2');
  const live = await LiveCluster.start(topo);
  const api = live.controlPlane.api;
  const kind = (v: string, k: string) => resourceByKind(v, k) ?? t.fail(`${k} is not served`);
  const secret = await api.get(kind('v1', 'Secret'), 'default', 'creds');
  // The server folds stringData into data, as it does for kubectl.
  t.deepEqual(secret['data'], { password: Buffer.from('hunter2').toString('base64') });
  t.is((await api.get(kind('rbac.authorization.k8s.io/v1', 'ClusterRole'), '', 'system:pod-reader')).metadata.name, 'system:pod-reader');
  t.is((await api.get(kind('rbac.authorization.k8s.io/v1', 'RoleBinding'), 'default', 'runner-reads')).metadata.name, 'runner-reads');
  t.is((await api.get(kind('networking.k8s.io/v1', 'Ingress'), 'default', 'web')).metadata.name, 'web');
  const pdb = await api.get(kind('policy/v1', 'PodDisruptionBudget'), 'default', 'a');
  t.like(pdb['status'], { expectedPods: 2 });
  // The pod naming the account was admitted (a missing account is refused with 403) and runs.
  t.true(live.cluster().pods.get('default/as-runner')?.ready);
});
