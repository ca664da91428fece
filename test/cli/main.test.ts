import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { TOPOLOGIES } from '../helpers/cluster.js';
import { tempDir } from '../helpers/temp-dir.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

const three = `${TOPOLOGIES}three-node.yaml`;

test('trace --json prints the contract shape with probabilities summing to 1', async (t) => {
  const r = await run('trace', three, '--from', 'pod/demo/client', '--to', 'pod/demo/db:5432', '--json');
  t.is(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { paths: { probability: number; verdict: string; reason: string | null; delivered: unknown; sourceSeen: string; hops: { node: string | null; netns: string; iface: string | null; step: string; detail: string; rule: string | null }[] }[] };
  t.is(j.paths.length, 1);
  const p = j.paths[0]!;
  t.is(p.probability, 1);
  t.is(p.verdict, 'delivered');
  t.is(p.reason, null);
  t.deepEqual(p.delivered, { pod: 'demo/db', node: 'node-c', ip: '10.244.3.3', port: 5432 });
  t.is(p.sourceSeen, '10.244.1.3');
  for (const h of p.hops) t.deepEqual(Object.keys(h).slice(0, 6), ['node', 'netns', 'iface', 'step', 'detail', 'rule']);
  t.is(p.hops.find((h) => h.step === 'uplink')?.node, 'node-a');
});

test('trace without --json prints a readable path', async (t) => {
  const r = await run('trace', three, '--from', 'pod/demo/client', '--to', 'pod/demo/db:5432');
  t.is(r.code, 0);
  t.regex(r.out, /path 1: DELIVERED to pod demo\/db on node-c at 10\.244\.3\.3:5432, source seen 10\.244\.1\.3/);
  t.regex(r.out, /node\/node-a cni0\s+route-lookup\s+10\.244\.3\.3 via 192\.168\.50\.13 dev eth0/);
});

test('show --node prints ip addr, ip route and bridge fdb as iproute2 does', async (t) => {
  const r = await run('show', three, '--node', 'node-a');
  t.is(r.code, 0, r.err);
  t.regex(r.out, /\n2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000\n/);
  t.regex(r.out, /inet 192\.168\.50\.11\/24 brd 192\.168\.50\.255 scope global eth0/);
  t.regex(r.out, /inet 10\.244\.1\.1\/24 brd 10\.244\.1\.255 scope global cni0/);
  t.regex(r.out, /\ndefault via 192\.168\.50\.1 dev eth0 proto static \n/);
  t.regex(r.out, /\n10\.244\.1\.0\/24 dev cni0 proto kernel scope link src 10\.244\.1\.1 \n/);
  t.regex(r.out, /\n10\.244\.2\.0\/24 via 192\.168\.50\.12 dev eth0 \n/);
  t.notRegex(r.out, /10\.244\.1\.0\/24 via/, 'no route to its own podCIDR via itself');
  t.regex(r.out, /dev veth[0-9a-f]{8} master cni0\n/);
});

test('show --pod and the vxlan topology show the pod routes and flannel state', async (t) => {
  const pod = await run('show', three, '--pod', 'demo/client');
  t.regex(pod.out, /\ndefault via 10\.244\.1\.1 dev eth0 \n10\.244\.1\.0\/24 dev eth0 proto kernel scope link src 10\.244\.1\.3 \n/);
  const vx = await run('show', `${TOPOLOGIES}three-node-vxlan.yaml`, '--node', 'node-a');
  t.regex(vx.out, /\n10\.244\.2\.0\/24 via 10\.244\.2\.0 dev flannel\.1 onlink \n/);
  t.regex(vx.out, /inet 10\.244\.1\.0\/32 scope global flannel\.1/);
  t.regex(vx.out, /10\.244\.3\.0 dev flannel\.1 lladdr [0-9a-f:]{17} PERMANENT/);
  t.regex(vx.out, /dev flannel\.1 dst 192\.168\.50\.13 self permanent/);
});

test('bad input exits 2 with a specific message and prints nothing on stdout', async (t) => {
  const dir = tempDir(t, 'kw-cli-');
  const cases: [string, string, RegExp][] = [
    ['malformed.yaml', 'apiVersion: kubewire/v1\nkind: Topology\n  metadata: [x\n', /malformed|YAML|line/i],
    ['cidr.yaml', 'apiVersion: kubewire/v1\nkind: Topology\nmetadata: {name: x}\ncluster: {clusterCIDR: 10.244.0.0/33, serviceCIDR: 10.96.0.0/12, nodeNetwork: {cidr: 192.168.50.0/24}}\nnodes: [{name: a, ip: 192.168.50.2}]\n', /clusterCIDR/],
  ];
  for (const [name, text, re] of cases) {
    writeFileSync(join(dir, name), text);
    const r = await run('trace', join(dir, name), '--from', 'node/a', '--to', '1.2.3.4:80');
    t.is(r.code, 2, name);
    t.is(r.out, '', name);
    t.regex(r.err, /^kubewire: error: /, name);
    t.regex(r.err, re, name);
  }
  const unknownPod = await run('trace', three, '--from', 'pod/demo/nope', '--to', '1.2.3.4:80');
  t.is(unknownPod.code, 2);
  t.regex(unknownPod.err, /--from "pod\/demo\/nope": no pod demo\/nope \(known: /);
  const missing = await run('trace', three, '--from', 'pod/demo/client');
  t.is(missing.code, 2, 'a missing required option is a usage error');
  const badProto = await run('trace', three, '--from', 'pod/demo/client', '--to', '1.1.1.1:1', '--proto', 'gre');
  t.is(badProto.code, 2);
});

test('demo brings up the default topology and traces across nodes', async (t) => {
  const r = await run('demo');
  t.is(r.code, 0, r.err);
  t.regex(r.out, /topology three-node: 3 nodes, \d+ pods/);
  t.regex(r.out, /path 1: DELIVERED to pod demo\/\S+ on node-b/);
});

test('the bin/kubewire launcher maps bad input to exit code 2 from any working directory', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const bin = new URL('../../bin/kubewire', import.meta.url).pathname;
  const r = spawnSync(bin, ['trace', '/nonexistent/topology.yaml', '--from', 'a', '--to', 'b'], { cwd: '/', encoding: 'utf8' });
  t.is(r.status, 2, r.stderr);
  t.regex(r.stderr, /kubewire: error: \/nonexistent\/topology\.yaml: cannot read topology file/);
});

test('cni lint is wired into the CLI and fails on a conflist with errors', async (t) => {
  const dir = tempDir(t, 'kw-lint-');
  const bad = join(dir, 'bad.conflist');
  writeFileSync(bad, JSON.stringify({ cniVersion: '9.9.9', name: 'x', plugins: [{}] }));
  const r = await run('cni', 'lint', bad);
  t.is(r.code, 1, r.out + r.err);
  t.regex(r.out + r.err, /plugins\[0\]|cniVersion/);
  const ok = await run('cni', 'lint', `${TOPOLOGIES}cni/bridge.conflist`);
  t.is(ok.code, 0, ok.out + ok.err);
});

test('rules --iptables-save in nftables mode prints the plugins\' rules kube-proxy\'s table lacks, and a trace over both dumps walks the rules the topology trace walks', async (t) => {
  const topo = join(TOPOLOGIES, '..', 'test', 'fixtures', 'hostport', 'topology.yaml');
  const nft = await run('rules', topo, '--node', 'node-a', '--mode', 'nftables');
  const ipt = await run('rules', topo, '--node', 'node-a', '--mode', 'nftables', '--iptables-save');
  t.is(ipt.code, 0, ipt.err);
  t.true(nft.out.startsWith('table ip kube-proxy {'));
  t.false(nft.out.includes('CNI-HOSTPORT-DNAT'), 'the nft ruleset is kube-proxy\'s table alone');
  t.regex(ipt.out, /^-A CNI-HOSTPORT-DNAT -p tcp .*--dports 8081 -j CNI-DN-/m);
  t.false(/KUBE-SERVICES/.test(ipt.out), 'kube-proxy\'s rules are in its nft table, not in iptables');
  // In iptables mode the flag prints what `rules` prints.
  const plain = await run('rules', topo, '--node', 'node-a', '--mode', 'iptables');
  t.is((await run('rules', topo, '--node', 'node-a', '--mode', 'iptables', '--iptables-save')).out, plain.out);

  const dir = tempDir(t, 'kw-rules-');
  writeFileSync(join(dir, 'node.nft'), nft.out);
  writeFileSync(join(dir, 'node.ipt'), ipt.out);
  const fromDumps = await run('trace', '--nft', join(dir, 'node.nft'), '--iptables-save', join(dir, 'node.ipt'), '--from', '192.168.50.200', '--to', '192.168.50.11:8081', '--node-ip', '192.168.50.11', '--json');
  const fromTopology = await run('trace', topo, '--mode', 'nftables', '--from', 'external/client', '--to', 'node/node-a:8081', '--json');
  t.is(fromDumps.code, 0, fromDumps.err);
  type Hop = { node: string | null; step: string; rule: string | null };
  const rules = (out: string, node: string | null): (string | null)[] =>
    (JSON.parse(out) as { paths: { hops: Hop[] }[] }).paths[0]!.hops.filter((h) => h.step === 'netfilter' || h.step === 'nftables').filter((h) => node === null || h.node === node).map((h) => h.rule);
  const walked = rules(fromDumps.out, null);
  t.true(walked.some((r) => r?.includes('DNAT --to-destination 10.244.1.2:8080') === true));
  t.deepEqual(walked, rules(fromTopology.out, 'node-a'));
});
