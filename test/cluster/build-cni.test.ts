import test from 'ava';
import { ip4ToString } from '../../src/addr/index.js';
import { buildCluster, traceInCluster, type Cluster } from '../../src/cluster/index.js';
import { buildClusterAsync } from '../../src/cluster/build.js';
import { InputError } from '../../src/lib/index.js';
import { parseTopology, type TopologySpec } from '../../src/topology/index.js';
import { TWO_NODE_PODS, shippedCluster, twoNodeYaml } from '../helpers/cluster.js';
import { loadTopology } from '../../src/topology/index.js';
import { TOPOLOGIES } from '../helpers/cluster.js';

const PTP = JSON.stringify({
  cniVersion: '1.0.0', name: 'kw-ptp',
  plugins: [{ type: 'ptp', capabilities: { ipRanges: true }, ipam: { type: 'host-local', routes: [{ dst: '0.0.0.0/0' }] } }],
});

async function topo(yaml: string, files: Record<string, string>): Promise<TopologySpec> {
  const read = async (p: string): Promise<string> => {
    const name = Object.keys(files).find((f) => p.endsWith(f));
    if (name === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return files[name] ?? '';
  };
  return parseTopology(yaml, '/virtual/topology.yaml', read);
}

const withConflist = (yaml: string) => yaml.replace('  proxyMode: iptables\n', '  proxyMode: iptables\n  cni: {conflist: ./ptp.conflist}\n');

function tables(c: Cluster): string[] {
  const out: string[] = [];
  for (const [name, ns] of c.network.netns) {
    for (const l of ns.links.values()) out.push(`${name} link ${l.name} ${l.kind} ${l.mac} mtu ${l.mtu} up ${l.up} master ${l.master ?? '-'} ${l.addrs.map((a) => `${ip4ToString(a.ip)}/${a.prefix}`).join(',')}`);
    for (const r of ns.main.routes()) out.push(`${name} route ${r.dst.toString()} via ${r.gateway === undefined ? '-' : ip4ToString(r.gateway)} dev ${r.dev ?? '-'} scope ${r.scope}`);
  }
  return out.sort();
}

test('buildClusterAsync (plugins through the CNI runtime) gives the same network as buildCluster (wirePod) for the default conflist', async (t) => {
  const spec = await loadTopology(`${TOPOLOGIES}three-node.yaml`);
  const viaCni = await buildClusterAsync(spec);
  const viaWire = await shippedCluster('three-node.yaml');
  t.deepEqual(tables(viaCni), tables(viaWire));
  t.deepEqual([...viaCni.pods.values()].map((p) => `${p.key} ${ip4ToString(p.ip)} ${p.hostVeth}`), [...viaWire.pods.values()].map((p) => `${p.key} ${ip4ToString(p.ip)} ${p.hostVeth}`));
});

test('a ptp conflist yields ptp pods: no bridge, a /24 address whose gateway is reached by a /32 link route, a /32 host route per pod, and traces work', async (t) => {
  const spec = await topo(withConflist(twoNodeYaml()), { 'pods.yaml': TWO_NODE_PODS, 'ptp.conflist': PTP });
  t.throws(() => buildCluster(spec), { instanceOf: InputError, message: /buildClusterAsync/ });
  const c = await buildClusterAsync(spec);
  const n1 = c.nodes.get('n1')!.netns;
  t.false([...n1.links.values()].some((l) => l.kind === 'bridge'), 'no cni0 bridge');
  const a1 = c.pods.get('default/a1')!;
  t.is(ip4ToString(a1.ip), '10.244.1.2');
  const eth0 = a1.netns.link('eth0')!;
  t.deepEqual(eth0.addrs.map((a) => `${ip4ToString(a.ip)}/${a.prefix}`), ['10.244.1.2/24']);
  const podRoutes = [...a1.netns.main.routes()].map((r) => `${r.dst.toString()} ${r.gateway === undefined ? '-' : ip4ToString(r.gateway)} ${r.scope}`).sort();
  t.deepEqual(podRoutes, ['0.0.0.0/0 10.244.1.1 global', '10.244.1.0/24 10.244.1.1 global', '10.244.1.1/32 - link']);
  const hostRoute = n1.main.get([...n1.main.routes()].find((r) => r.dst.toString() === '10.244.1.2/32')!.dst);
  t.is(hostRoute?.dev, a1.hostVeth);
  t.deepEqual(n1.link(a1.hostVeth)?.addrs.map((a) => `${ip4ToString(a.ip)}/${a.prefix}`), ['10.244.1.1/32']);
  for (const [from, to] of [['default/a1', 'default/a2'], ['default/a1', 'default/b1']] as const) {
    const r = traceInCluster(c, { from: ip4ToString(c.pods.get(from)!.ip), to: `${ip4ToString(c.pods.get(to)!.ip)}:8080` });
    t.true('paths' in r && r.paths.length > 0 && r.paths.every((p) => p.verdict === 'delivered'), `${from} → ${to}: ${JSON.stringify('paths' in r ? r.paths.map((p) => p.verdict) : r)}`);
  }
});

test('buildClusterAsync: more pods than the podCIDR holds is KW_CNI_IPAM_EXHAUSTED before anything is wired', async (t) => {
  const many = Array.from({ length: 3 }, (_, i) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}}\nspec: {nodeName: n1, containers: [{name: c, image: x}]}\n`).join('---\n');
  const spec = await topo(withConflist(twoNodeYaml()).replace('podCIDR: 10.244.1.0/24', 'podCIDR: 10.244.1.0/30'), { 'pods.yaml': many, 'ptp.conflist': PTP });
  const err = await t.throwsAsync(buildClusterAsync(spec), { instanceOf: InputError });
  t.is((err as InputError).code, 'KW_CNI_IPAM_EXHAUSTED');
  t.regex(err?.message ?? '', /node n1 would run 3 pods .*10\.244\.1\.0\/30 has 1 addresses/);
});

const MASQ = JSON.stringify({
  cniVersion: '1.0.0', name: 'kw-masq',
  plugins: [{ type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: true, capabilities: { ipRanges: true }, ipam: { type: 'host-local', routes: [{ dst: '0.0.0.0/0' }] } }],
});

test('ipMasq: the bridge plugin\'s CNI-… chain sits in the node\'s nat table after kube-proxy\'s jump, and a pod leaving the cluster is seen as its node', async (t) => {
  const yaml = twoNodeYaml().replace('  proxyMode: iptables\n', '  proxyMode: iptables\n  cni: {conflist: ./masq.conflist}\n');
  const spec = await topo(yaml, { 'pods.yaml': TWO_NODE_PODS, 'masq.conflist': MASQ });
  const c = await buildClusterAsync(spec);
  const save = c.proxies.get('n1')!.iptablesSave();
  const post = save.split('\n').filter((l) => l.startsWith('-A POSTROUTING'));
  t.regex(post[0] ?? '', /-j KUBE-POSTROUTING$/, 'kube-proxy prepends its jump');
  const a1 = post.findIndex((l) => /^-A POSTROUTING -s 10\.244\.1\.2\/32 -m comment --comment "name: \\"kw-masq\\" id: \\"kw-default_a1\\"" -j CNI-[0-9a-f]{24}$/.test(l));
  t.true(a1 >= 1, `the plugin's rule follows kube-proxy's jump: ${post.join(' | ')}`);
  const out = traceInCluster(c, { from: 'pod/default/a1', to: '192.168.50.200:80' });
  t.is(out.paths[0]?.verdict, 'delivered');
  t.is(out.paths[0]?.sourceSeen, '192.168.50.11');
  // The plugin's chain ACCEPTs its own subnet (the node's podCIDR) and masquerades everything else but multicast,
  // cross-node pod traffic included: what upstream bridge's ipMasq does (why flannel ships its own masquerade rules).
  const same = traceInCluster(c, { from: 'pod/default/a1', to: `${ip4ToString(c.pods.get('default/a2')!.ip)}:8080` });
  t.is(same.paths[0]?.sourceSeen, '10.244.1.2');
  const cross = traceInCluster(c, { from: 'pod/default/a1', to: `${ip4ToString(c.pods.get('default/b1')!.ip)}:8080` });
  t.is(cross.paths[0]?.verdict, 'delivered');
  t.is(cross.paths[0]?.sourceSeen, '192.168.50.11');
});
