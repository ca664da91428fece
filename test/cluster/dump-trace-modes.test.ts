import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ip4ToString } from '../../src/addr/index.js';
import { runCli } from '../../src/cli/main.js';
import { traceIptablesSave } from '../../src/cluster/index.js';
import type { TracePath } from '../../src/datapath/index.js';
import { printIpvsadmList, printIpvsadmSave } from '../../src/net/index.js';
import { IpvsProxier, NftablesProxier } from '../../src/proxy/index.js';
import { overallServices, overallSlices } from '../proxy/fixtures/overall-services.js';
import { fakeProxierConfig, testExternalIP, testNodeIP, testNodeIPAlt } from '../proxy/helpers.js';
import { TOPOLOGIES } from '../helpers/cluster.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A real node's dumps, here rendered by our proxiers for upstream's TestOverallIPTablesRules services. */
function ipvsDumps(accessFilter: boolean): { iptables: string; ipvsadm: string; ipvsadmLn: string; ipset: string } {
  const p = new IpvsProxier(fakeProxierConfig({ ipvsAccessFilter: accessFilter }));
  for (const s of overallServices()) p.onServiceAdd(s);
  for (const e of overallSlices()) p.onEndpointSliceAdd(e);
  const r = p.sync();
  return { iptables: p.nodeView(), ipvsadm: printIpvsadmSave(r.virtualServices), ipvsadmLn: printIpvsadmList(r.virtualServices), ipset: r.ipset };
}

const nodeIps = [testNodeIP, testNodeIPAlt, testExternalIP];
const line = (p: TracePath): string => `${p.probability.toString()} ${p.verdict} ${ip4ToString(p.finalPacket.src)} -> ${ip4ToString(p.finalPacket.dst)}:${p.finalPacket.dport}`;

test('IPVS dump (ipvsadm -S -n + ipset save + iptables-save): a ClusterIP is scheduled and forwarded', (t) => {
  const d = ipvsDumps(true);
  const r = traceIptablesSave({ dump: d.iptables, dumpFile: 'node.iptables', ipvsadm: d.ipvsadm, ipset: d.ipset, from: '10.0.0.2', to: '172.30.0.44:80', nodeIps });
  t.deepEqual(r.paths.map(line).sort(), ['1/2 exited 10.0.0.2 -> 10.180.0.4:80', '1/2 exited 10.0.0.2 -> 10.180.0.5:80']);
  t.true(r.paths.every((p) => p.hops.some((h) => h.step === 'ipvs')));
  // The -Ln form traces the same.
  const ln = traceIptablesSave({ dump: d.iptables, dumpFile: 'node.iptables', ipvsadm: d.ipvsadmLn, ipset: d.ipset, from: '10.0.0.2', to: '172.30.0.44:80', nodeIps });
  t.deepEqual(ln.paths.map(line).sort(), r.paths.map(line).sort());
});

test('IPVS dump: ping to a ClusterIP reaches the node; KUBE-IPVS-FILTER (newer kube-proxy) rejects it, the v1.26 layout lets the node answer', (t) => {
  const with1 = ipvsDumps(true);
  const a = traceIptablesSave({ dump: with1.iptables, dumpFile: 'f', ipvsadm: with1.ipvsadm, ipset: with1.ipset, from: '10.0.0.2', to: '172.30.0.41', proto: 'icmp', nodeIps });
  t.deepEqual(a.paths.map((p) => p.verdict), ['rejected']);
  const old = ipvsDumps(false);
  const b = traceIptablesSave({ dump: old.iptables, dumpFile: 'f', ipvsadm: old.ipvsadm, ipset: old.ipset, from: '10.0.0.2', to: '172.30.0.41', proto: 'icmp', nodeIps });
  t.deepEqual(b.paths.map((p) => `${p.verdict} ${p.delivered?.ip ?? ''}`), ['delivered 172.30.0.41'], 'kube-ipvs0 makes the ClusterIP a local address');
});

test('IPVS dump: a service without real servers answers ICMP port unreachable', (t) => {
  const d = ipvsDumps(true);
  const r = traceIptablesSave({ dump: d.iptables, dumpFile: 'f', ipvsadm: d.ipvsadm, ipset: d.ipset, from: '10.0.0.2', to: '172.30.0.46:80', nodeIps });
  t.is(r.paths[0]?.verdict, 'rejected');
  t.regex(r.paths[0]?.reason ?? '', /ip_vs_leave/);
});

test('nftables dump (nft list ruleset): upstream TestOverallIPTablesRules flows', (t) => {
  const p = new NftablesProxier(fakeProxierConfig());
  for (const s of overallServices()) p.onServiceAdd(s);
  for (const e of overallSlices()) p.onEndpointSliceAdd(e);
  const nft = p.sync().restore;
  const tr = (from: string, to: string) => traceIptablesSave({ dump: '', dumpFile: '-', nft, nftFile: 'node.nft', from, to, nodeIps });
  t.deepEqual(tr('10.0.0.2', '172.30.0.44:80').paths.map(line).sort(), ['1/2 exited 10.0.0.2 -> 10.180.0.4:80', '1/2 exited 10.0.0.2 -> 10.180.0.5:80']);
  const drop = tr('203.0.113.2', '192.168.99.22:80').paths;
  t.deepEqual(drop.map((x) => x.verdict), ['dropped']);
  t.regex(drop[0]?.reason ?? '', /no-endpoint-services/);
  t.deepEqual(tr('10.0.0.2', '172.30.0.46:80').paths.map((x) => x.verdict), ['rejected']);
  t.deepEqual(tr('203.0.113.130', '5.6.7.8:80').paths.map((x) => x.verdict), ['dropped'], 'outside loadBalancerSourceRanges');
  const ok = tr('203.0.113.2', '5.6.7.8:80').paths;
  t.deepEqual(ok.map(line), ['1 exited 192.168.0.2 -> 10.180.0.3:80'], 'allowed, masqueraded to the node');
});

test('kubewire trace --nft / --ipvsadm: a bad dump exits 2 naming the file and line', async (t) => {
  const dir = tempDir(t, 'kw-modes-');
  const bad = join(dir, 'bad.nft');
  writeFileSync(bad, 'table ip kube-proxy {\n\tchain x {\n\t\tfrobnicate 3\n\t}\n}\n');
  let err = '';
  const code = await runCli(['trace', '--nft', bad, '--from', '10.0.0.2', '--to', '172.30.0.41:80'], { stdout: () => undefined, stderr: (s) => (err += s) });
  t.is(code, 2);
  t.regex(err, /bad\.nft: line 3: chain x: unsupported expression near "frobnicate 3"/);
  const badIpvs = join(dir, 'bad.ipvs');
  writeFileSync(badIpvs, '-A -t 10.96.0.1:443 -s rr\n-a -t 10.96.0.1:443 -r nowhere -m -w 1\n');
  err = '';
  t.is(await runCli(['trace', '--ipvsadm', badIpvs, '--from', '10.0.0.2', '--to', '10.96.0.1:443'], { stdout: () => undefined, stderr: (s) => (err += s) }), 2);
  t.regex(err, /bad\.ipvs: line 2: "nowhere" is not an IPv4 address:port/);
});

test('kubewire rules / trace --mode: each mode prints its own view of the node and traces by its own mechanism', async (t) => {
  const topo = join(TOPOLOGIES, 'three-node.yaml');
  const run = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
    return { code, out, err };
  };
  const nft = await run('rules', topo, '--node', 'node-a', '--mode', 'nftables');
  t.is(nft.code, 0, nft.err);
  t.true(nft.out.startsWith('table ip kube-proxy {\n'));
  const ipvs = await run('rules', topo, '--node', 'node-a', '--mode', 'ipvs');
  t.is(ipvs.code, 0, ipvs.err);
  t.regex(ipvs.out, /# ipvsadm -Ln\nIP Virtual Server version 1\.2\.1 \(size=4096\)\n/);
  t.regex(ipvs.out, /# ipset save\ncreate KUBE-LOOP-BACK hash:ip,port,ip /);
  const ipt = await run('rules', topo, '--node', 'node-a');
  t.regex(ipt.out, /-A KUBE-SERVICES .*-j KUBE-NODEPORTS\n/, 'iptables mode prints iptables-save as before');
  const tr = await run('trace', topo, '--from', 'external/client', '--to', 'node/node-b:30081', '--mode', 'ipvs', '--json');
  t.is(tr.code, 0, tr.err);
  const j = JSON.parse(tr.out) as { paths: { hops: { step: string }[] }[] };
  t.true(j.paths.length > 0, 'the NodePort has paths');
  t.true(j.paths.every((p) => p.hops.some((h) => h.step === 'ipvs')));
  t.is((await run('trace', topo, '--from', 'external/client', '--to', 'node/node-b:30081', '--mode', 'bogus')).code, 2);
});
