import { spawnSync } from 'node:child_process';
import test from 'ava';
import { buildCluster } from '../../src/cluster/index.js';
import { type NftTable, parseNftRuleset, printNftTable } from '../../src/net/index.js';
import { NftablesProxier } from '../../src/proxy/index.js';
import { NodeCommandRunner, type CommandRunner } from '../../src/kernel/index.js';
import { findNft, leftovers, realize, teardown, verify } from '../../src/realize/index.js';
import { loadTopology } from '../../src/topology/index.js';
import { overallServices, overallSlices } from '../proxy/fixtures/overall-services.js';
import { fakeProxierConfig } from '../proxy/helpers.js';
import { TOPOLOGIES } from '../helpers/cluster.js';
import { prerequisiteMissing } from './helpers/prerequisite.js';

// Our nftables printer against the real nft (Debian 12: nft 1.0.6) in a throwaway namespace: what we print must load,
// and what the kernel then lists must parse back to the same table.
const NS = 'kw-nft-real';
const isRoot = process.getuid?.() === 0;
// The netfilter nft, not the @vercel/nft that npm puts on PATH in node_modules/.bin.
const NFT = findNft(process.env['PATH'] ?? '') ?? findNft('/usr/sbin:/sbin');
const hasNft = NFT !== undefined;
const skipReason = !isRoot ? 'needs root' : !hasNft ? 'nft is not installed (apt-get install nftables)' : undefined;
const realTest = skipReason === undefined ? test.serial : test.serial.skip;
if (skipReason !== undefined) prerequisiteMissing('real nft tests', isRoot ? 'nft' : 'root', skipReason);

function nft(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', NS, NFT ?? 'nft', ...args], { input, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test.before(() => {
  if (skipReason !== undefined) return;
  spawnSync('ip', ['netns', 'del', NS]);
  const r = spawnSync('ip', ['netns', 'add', NS]);
  if (r.status !== 0) throw new Error(`ip netns add ${NS}: ${String(r.stderr)}`);
});

// Prefixes of the realized clusters (kw-<4 hex>-…): removed whatever happens.
const PREFIXES = ['kw-7f70', 'kw-7f71', 'kw-7f72'];

test.after.always(async () => {
  if (skipReason !== undefined) return;
  spawnSync('ip', ['netns', 'del', NS]);
  for (const p of PREFIXES) await teardown(p).catch(() => undefined);
});

/**
 * A table with its set elements sorted: the kernel lists the elements of a hash set in its own order, not in the
 * order they were added, and that order means nothing (a lookup does not depend on it).
 */
function normalized(t: NftTable): string {
  const sets = new Map([...t.sets].map(([k, s]) => [k, { ...s, elements: [...s.elements].sort((a, b) => a.key.join(' . ').localeCompare(b.key.join(' . '))) }] as const));
  return printNftTable({ ...t, sets });
}

function overallTable(): string {
  // kube-proxy's real mark text (%#08x), not the iptables unit-test fake's "0x4000".
  const { masqueradeMarkText: _fake, ...cfg } = fakeProxierConfig();
  const p = new NftablesProxier(cfg);
  for (const s of overallServices()) p.onServiceAdd(s);
  for (const e of overallSlices()) p.onEndpointSliceAdd(e);
  return p.sync().restore;
}

async function topologyTables(file: string): Promise<{ node: string; text: string }[]> {
  const c = buildCluster(await loadTopology(`${TOPOLOGIES}${file}`), { proxyMode: 'nftables' });
  return [...c.proxies.values()].map((p) => ({ node: `${file} ${p.node}`, text: p.rules() }));
}

realTest('nft -c -f accepts every node table of every shipped topology in nftables mode, and the kube-proxy unit-test services', async (t) => {
  const tables = [{ node: 'TestOverallIPTablesRules services', text: overallTable() }];
  for (const f of ['single-node.yaml', 'three-node.yaml', 'three-node-vxlan.yaml']) tables.push(...(await topologyTables(f)));
  for (const { node, text } of tables) {
    const r = nft(['-c', '-f', '-'], text);
    t.is(r.code, 0, `${node}: ${r.stderr}`);
  }
  // The base chains carry the priorities knftables sends (numbers), named by nft only where the name applies.
  t.regex(tables[0]?.text ?? '', /chain filter-input \{\n\t\ttype filter hook input priority -110; policy accept;/);
  t.regex(tables[0]?.text ?? '', /chain nat-output \{\n\t\ttype nat hook output priority -100; policy accept;/);
});

realTest('loaded with nft -f, `nft list table ip kube-proxy` parses back to the table we printed (set elements in the kernel\'s order)', async (t) => {
  const cases = [{ node: 'TestOverallIPTablesRules services', text: overallTable() }, ...(await topologyTables('three-node.yaml')).slice(0, 1)];
  for (const { node, text } of cases) {
    nft(['flush', 'ruleset']);
    const load = nft(['-f', '-'], text);
    t.is(load.code, 0, `${node}: ${load.stderr}`);
    const listed = nft(['list', 'table', 'ip', 'kube-proxy']);
    t.is(listed.code, 0, listed.stderr);
    const back = parseNftRuleset(listed.stdout, `${node}: nft list table ip kube-proxy`);
    const ours = parseNftRuleset(text);
    t.is(back.length, 1);
    if (back[0] === undefined || ours[0] === undefined) return;
    t.is(normalized(back[0]), normalized(ours[0]), node);
    // Everything but element order is the same text, byte for byte (the base chains' priority lines included).
    const noElements = (s: string) => s.replace(/elements = \{[^}]*\}/g, 'elements = {…}');
    t.is(noElements(listed.stdout), noElements(text), node);
  }
  nft(['flush', 'ruleset']);
});

const DEBIAN_CNI = ['/usr/lib/cni'];
const threeNodeNft = async () => buildCluster(await loadTopology(`${TOPOLOGIES}three-node.yaml`), { proxyMode: 'nftables' });

realTest('realize in nftables mode: every node holds the emulator\'s kube-proxy table (nft list parses back to it); down removes it all', async (t) => {
  const c = await threeNodeNft();
  const steps: string[] = [];
  const s = await realize(c, { prefix: 'kw-7f70', cniPath: DEBIAN_CNI, onProgress: (p) => steps.push(p.text) });
  t.true(steps.some((x) => x.includes('nft -f')));
  for (const [name, n] of Object.entries(s.nodes)) {
    const listed = spawnSync('ip', ['netns', 'exec', n.netns, NFT ?? 'nft', 'list', 'table', 'ip', 'kube-proxy'], { encoding: 'utf8' });
    t.is(listed.status, 0, listed.stderr);
    const real = parseNftRuleset(listed.stdout, `${name}: nft list table ip kube-proxy`)[0];
    const emulated = parseNftRuleset(c.proxies.get(name)?.rules() ?? '')[0];
    t.true(real !== undefined && emulated !== undefined);
    if (real !== undefined && emulated !== undefined) t.is(normalized(real), normalized(emulated), name);
  }
  // A pod reaches the web Service's ClusterIP through the real kube-proxy table (numgen picks one of three pods).
  const web = [...c.services.values()].find((x) => x.metadata?.name === 'web' && x.metadata.namespace === 'demo')?.spec?.clusterIP ?? '';
  const out = spawnSync('ip', ['netns', 'exec', s.pods['demo/client']?.netns ?? '', 'bash', '-c', `exec 3<>/dev/tcp/${web}/80; timeout 3 cat <&3`], { encoding: 'utf8' });
  t.regex(out.stdout, /^demo\/web-[a-z0-9]+-[a-z0-9]+ 10\.244\.1\.3:\d+\n$/, out.stderr);
  await teardown('kw-7f70');
  t.deepEqual(await leftovers('kw-7f70'), []);
});

realTest('nft refusing a node\'s table is a clear error and realize rolls everything back', async (t) => {
  const c = await threeNodeNft();
  // The real nft, fed a table with one rule it cannot accept (as an older kernel without nft_fib would refuse one).
  const real = new NodeCommandRunner();
  const runner: CommandRunner = {
    run: (argv, o = {}) => (argv.includes('-f') && argv.some((a) => a.endsWith('/nft')) && o.stdin !== undefined ? real.run(argv, { stdin: o.stdin.replace('jump masquerading', 'jump masquerading-nowhere') }) : real.run(argv, o)),
  };
  const e = await t.throwsAsync(realize(c, { prefix: 'kw-7f71', cniPath: DEBIAN_CNI, runner }));
  t.is((e as { code?: string } | undefined)?.code, 'KW_REALIZE_NFT');
  t.regex(e?.message ?? '', /^node node-a \(kw-7f71-n0\): \S*nft -f refused kube-proxy's nftables table \(exit 1\): .*masquerading-nowhere/);
  t.deepEqual(await leftovers('kw-7f71'), []);
});

realTest('verify in nftables mode: 40 probes agree on delivery, source and distribution (rules are not compared), nothing left', async (t) => {
  const c = await threeNodeNft();
  const r = await verify(c, { probes: 40, seed: 1, connections: 60, prefix: 'kw-7f72', realize: { cniPath: DEBIAN_CNI } });
  for (const p of r.probes.filter((x) => !x.agreed)) t.log(`${p.kind} ${p.from} -> ${p.to}/${p.proto}: ${p.disagreements.map((d) => d.message).join(' | ')}`);
  t.is(r.summary.probes, 40);
  t.true(r.realizedHere);
  t.false(r.rulesCompared);
  t.true(r.probes.some((p) => p.kind === 'pod-to-service') && r.probes.some((p) => p.kind.startsWith('external-to-')), 'Services reached from pods and from outside');
  t.is(r.summary.disagreed, 0);
  t.deepEqual(await leftovers('kw-7f72'), []);
});
