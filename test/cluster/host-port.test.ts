import test from 'ava';
import { LiveCluster, buildCluster, traceInCluster, type Cluster } from '../../src/cluster/index.js';
import { buildClusterAuto } from '../../src/cluster/build.js';
import { R } from '../../src/controllers/index.js';
import { InputError } from '../../src/lib/index.js';
import { parseTopology, type TopologySpec } from '../../src/topology/index.js';
import { twoNodeYaml } from '../helpers/cluster.js';

/**
 * hostPort: the kubelet puts a container's hostPort in the sandbox's port mappings, the runtime hands them to the
 * conflist's portmap plugin (the default conflist chains it), and portmap's CNI-HOSTPORT-DNAT rules, behind
 * kube-proxy's jumps in the node's nat table, forward the node's port to the pod. Nothing else listens there.
 */
const PODS = `apiVersion: v1
kind: Pod
metadata: {name: edge, namespace: default, labels: {app: edge}}
spec:
  nodeName: n1
  containers:
    - name: c
      image: x
      ports: [{name: http, containerPort: 8080, hostPort: 8081}, {containerPort: 5353, hostPort: 53, protocol: UDP}]
---
apiVersion: v1
kind: Pod
metadata: {name: plain, namespace: default, labels: {app: plain}}
spec: {nodeName: n2, containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
`;

async function topo(conflist?: string): Promise<TopologySpec> {
  const yaml = conflist === undefined ? twoNodeYaml() : twoNodeYaml().replace('  proxyMode: iptables\n', '  proxyMode: iptables\n  cni: {conflist: ./net.conflist}\n');
  return parseTopology(yaml, '/virtual/topology.yaml', async (p) => {
    if (p.endsWith('pods.yaml')) return PODS;
    if (p.endsWith('net.conflist') && conflist !== undefined) return conflist;
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  });
}

function externalTo(c: Cluster, to: string, proto: 'tcp' | 'udp' = 'tcp') {
  const r = traceInCluster(c, { from: 'external/ext', to, proto });
  return r.paths;
}

test('static build: a pod\'s hostPort is forwarded by portmap on its node only, after kube-proxy\'s chains, with the client\'s address kept', async (t) => {
  const spec = await topo();
  t.throws(() => buildCluster(spec), { instanceOf: InputError, message: /default\/edge publishes a hostPort.*buildClusterAsync/ });
  const c = await buildClusterAuto(spec);
  const [p] = externalTo(c, '192.168.50.11:8081');
  t.is(p?.verdict, 'delivered');
  t.deepEqual(p?.delivered, { pod: 'default/edge', node: 'n1', ip: '10.244.1.2', port: 8080 });
  t.is(p?.sourceSeen, '192.168.50.200');
  const chains = (p?.hops ?? []).filter((h) => h.step === 'netfilter').map((h) => h.chain);
  // kube-proxy's KUBE-SERVICES (no Service matches) comes first, then portmap's chains do the DNAT.
  t.true(chains.indexOf('KUBE-SERVICES') >= 0 && chains.indexOf('KUBE-SERVICES') < chains.indexOf('CNI-HOSTPORT-DNAT'), chains.join(' '));
  t.true((p?.hops ?? []).some((h) => h.nat?.type === 'dnat' && h.nat.after.includes('10.244.1.2:8080') && (h.chain ?? '').startsWith('CNI-DN-')));
  // UDP 53 → 5353 too; the other node publishes nothing on 8081.
  t.deepEqual(externalTo(c, '192.168.50.11:53', 'udp')[0]?.delivered, { pod: 'default/edge', node: 'n1', ip: '10.244.1.2', port: 5353 });
  const other = externalTo(c, '192.168.50.12:8081')[0];
  t.is(other?.delivered?.pod ?? null, null);
  const save = c.proxies.get('n1')?.iptablesSave() ?? '';
  t.regex(save, /^-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n(?:.*\n)*-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT$/m);
  t.regex(save, /^-A CNI-DN-\S+ -p tcp -m tcp --dport 8081 -j DNAT --to-destination 10\.244\.1\.2:8080$/m);
  t.false((c.proxies.get('n2')?.iptablesSave() ?? '').includes('CNI-HOSTPORT-DNAT -'), 'n2 runs no hostPort pod');
  // portmap inserts its masquerade jump at the top of POSTROUTING (-I POSTROUTING 1) after kube-proxy wrote its own
  // at boot, so on a real node it comes first (checked against Debian's portmap in test/real/verify.test.ts).
  t.deepEqual(builtinJumps(save, 'POSTROUTING'), ['CNI-HOSTPORT-MASQ', 'KUBE-POSTROUTING']);
});

/** The targets of a built-in chain's rules, in order, from an iptables-save text. */
function builtinJumps(save: string, chain: string): string[] {
  const nat = save.slice(save.indexOf('*nat'));
  return [...nat.matchAll(new RegExp(`^-A ${chain} .*-j (\\S+)$`, 'gm'))].map((m) => m[1] ?? '');
}

test('a conflist without portmap publishes nothing: the hostPort is ignored, as on a node whose CNI does not chain portmap', async (t) => {
  const conflist = JSON.stringify({ cniVersion: '1.0.0', name: 'kw-bridge', plugins: [{ type: 'bridge', bridge: 'cni0', isGateway: true, ipam: { type: 'host-local', routes: [{ dst: '0.0.0.0/0' }] } }] });
  const c = buildCluster(await topo(conflist));
  t.is(externalTo(c, '192.168.50.11:8081')[0]?.delivered?.pod ?? null, null);
  t.false((c.proxies.get('n1')?.iptablesSave() ?? '').includes('CNI-HOSTPORT'));
});

test('live cluster: the kubelet hands the pod\'s hostPorts to CNI, the node\'s rules follow, and deleting the pod takes them away', async (t) => {
  const live = await LiveCluster.start(await topo());
  const p = externalTo(live.cluster(), '192.168.50.11:8081')[0];
  t.is(p?.verdict, 'delivered');
  t.is(p?.delivered?.pod, 'default/edge');
  t.is(p?.sourceSeen, '192.168.50.200');
  t.regex(live.cluster().proxies.get('n1')?.iptablesSave() ?? '', /--dport 8081 -j DNAT --to-destination 10\.244\.1\.\d+:8080/);
  t.deepEqual(builtinJumps(live.cluster().proxies.get('n1')?.iptablesSave() ?? '', 'POSTROUTING'), ['CNI-HOSTPORT-MASQ', 'KUBE-POSTROUTING']);
  await live.controlPlane.api.delete(R.pods, 'default', 'edge', { gracePeriodSeconds: 0 });
  await live.settle();
  t.false((live.cluster().proxies.get('n1')?.iptablesSave() ?? '').includes('--dport 8081'), 'portmap DEL removed the mapping');
  t.is(externalTo(live.cluster(), '192.168.50.11:8081')[0]?.delivered?.pod ?? null, null);
});
