import test from 'ava';
import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCluster, type Cluster } from '../../src/cluster/index.js';
import { LinuxKernel, NodeCommandRunner } from '../../src/kernel/index.js';
import { cleanupAll, down, leftovers, realize, StateStore, teardown } from '../../src/realize/index.js';
import { loadTopology, type TopologySpec } from '../../src/topology/index.js';
import { prerequisiteMissing } from './helpers/prerequisite.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = process.getuid?.() === 0;
const HOST_GW = fileURLToPath(new URL('../../topologies/three-node.yaml', import.meta.url));
const CHILD = fileURLToPath(new URL('./helpers/realize-child.ts', import.meta.url));
const REGISTER = fileURLToPath(new URL('../../scripts/ts-node-register.mjs', import.meta.url));
const DEBIAN = ['/usr/lib/cni'];
const PREFIXES = ['kw-7e57', 'kw-dead', 'kw-bad0', 'kw-7e5a'];
const runner = new NodeCommandRunner();
const k = new LinuxKernel(runner);

const maybe = ROOT ? test.serial : test.serial.skip;
if (!ROOT) prerequisiteMissing('real-kernel realize tests', 'root', 'not root: realize needs real network namespaces');

test.after.always(async () => {
  if (!ROOT) return;
  for (const p of PREFIXES) await teardown(p).catch(() => undefined);
});

async function cluster(): Promise<Cluster> {
  return buildCluster(await loadTopology(HOST_GW));
}

const inNs = async (ns: string, argv: string[]) => (await runner.run(['ip', 'netns', 'exec', ns, ...argv])).stdout;

maybe('realize builds the cluster in prefixed namespaces with the emulator\'s addresses, rules and responders; down removes all of it', async (t) => {
  const c = await cluster();
  const steps: string[] = [];
  const s = await realize(c, { prefix: 'kw-7e57', cniPath: DEBIAN, onProgress: (p) => steps.push(p.step) });
  t.deepEqual([...new Set(steps)], ['node-network', 'pod-network', 'rules', 'pods', 'load-balancers', 'responders', 'done']);
  t.true(s.namespaces.every((n) => n.startsWith('kw-7e57-')));
  // 1 switch + 3 nodes + 1 external + 7 pods.
  t.is(s.namespaces.length, 12);
  for (const [key, pod] of Object.entries(s.pods)) {
    const addrs = await k.addr.list(pod.netns, 'eth0');
    const emu = c.pods.get(key);
    t.truthy(emu);
    t.deepEqual(addrs.map((a) => a.cidr), [`${pod.ip}/24`], key);
  }
  const nodeA = s.nodes['node-a']?.netns ?? '';
  t.regex(await inNs(nodeA, ['iptables-save', '-t', 'nat']), /-A KUBE-SERVICES -d 10\.\d+\.\d+\.\d+\/32 -p tcp -m comment --comment "demo\/web:http cluster IP"/);
  t.is((await inNs(nodeA, ['sysctl', '-n', 'net.ipv4.ip_forward'])).trim(), '1');
  t.is((await inNs(s.pods['demo/client']?.netns ?? '', ['sysctl', '-n', 'net.ipv4.ip_forward'])).trim(), '0');
  // host-gw: a route per remote podCIDR via that node.
  t.true((await k.route.list(nodeA)).some((r) => r.dst === '10.244.3.0/24' && r.gw === '192.168.50.13'));
  // The host namespace holds nothing of ours.
  t.false((await k.link.list('')).some((l) => l.name.startsWith('kw-7e57')));
  // A responder answers with its pod name and the source it saw (pod to pod across nodes, no NAT).
  const db = s.pods['demo/db'];
  const out = await inNs(s.pods['demo/client']?.netns ?? '', ['bash', '-c', `exec 3<>/dev/tcp/${db?.ip ?? ''}/5432; cat <&3`]);
  t.regex(out, /^demo\/db 10\.244\.1\.3:\d+\n$/);
  const r = await down(HOST_GW, { prefix: 'kw-7e57' });
  t.is(r.namespaces.length, 12);
  t.is(r.processes, 6);
  t.deepEqual(await leftovers('kw-7e57'), []);
});

maybe('a prefix in use is refused and the running cluster is left alone', async (t) => {
  const c = await cluster();
  await realize(c, { prefix: 'kw-7e5a', cniPath: DEBIAN });
  const before = (await k.netns.list()).filter((n) => n.startsWith('kw-7e5a-'));
  await t.throwsAsync(realize(c, { prefix: 'kw-7e5a', cniPath: DEBIAN }), { code: 'KW_REALIZE_PREFIX_IN_USE', message: /prefix kw-7e5a is already in use .*kubewire down/ });
  t.deepEqual((await k.netns.list()).filter((n) => n.startsWith('kw-7e5a-')), before);
  await teardown('kw-7e5a');
  t.deepEqual(await leftovers('kw-7e5a'), []);
});

maybe('not root and a missing ip are refused before anything is created', async (t) => {
  const c = await cluster();
  await t.throwsAsync(realize(c, { prefix: 'kw-bad0', uid: 1000 }), { code: 'KW_REALIZE_NOT_ROOT' });
  await t.throwsAsync(realize(c, { prefix: 'kw-bad0', path: tempDir(t, 'kw-empty-') }), { code: 'KW_REALIZE_MISSING_TOOL', message: /^ip, iptables/ });
  t.deepEqual(await leftovers('kw-bad0'), []);
});

maybe('IPVS mode on this kernel (no IPVS) is refused plainly, suggesting iptables', async (t) => {
  const topo = await loadTopology(HOST_GW);
  const ipvs: TopologySpec = { ...topo, cluster: { ...topo.cluster, proxyMode: 'ipvs' } };
  await t.throwsAsync(realize(buildCluster(ipvs), { prefix: 'kw-bad0' }), { code: 'KW_REALIZE_UNSUPPORTED_MODE', message: /proxyMode ipvs .*proxyMode: iptables/ });
  t.deepEqual(await leftovers('kw-bad0'), []);
});

maybe('a CNI plugin that fails: its error, and everything created so far rolled back', async (t) => {
  const dir = tempDir(t, 'kw-cni-');
  const fail = '#!/bin/sh\ncat >/dev/null\necho \'{"cniVersion":"1.0.0","code":11,"msg":"no bridge today"}\'\nexit 1\n';
  for (const p of ['bridge', 'portmap']) {
    writeFileSync(join(dir, p), fail);
    chmodSync(join(dir, p), 0o755);
  }
  await t.throwsAsync(realize(await cluster(), { prefix: 'kw-bad0', cniPath: [dir] }), { message: /no bridge today/ });
  t.deepEqual(await leftovers('kw-bad0'), []);
});

maybe('SIGKILL halfway through realize, then cleanup: nothing with the prefix is left', async (t) => {
  const child = spawn(process.execPath, ['--import', REGISTER, CHILD, HOST_GW, 'kw-dead'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => (c.toString().includes('halfway') ? resolve() : undefined));
    child.on('exit', (code) => reject(new Error(`child exited early (${code ?? 'signal'})`)));
  });
  child.removeAllListeners('exit');
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  const left = await leftovers('kw-dead');
  t.true(left.some((l) => l.startsWith('netns kw-dead-p')), `a pod namespace is left after the kill: ${left.join(', ')}`);
  t.is(new StateStore().load('kw-dead')?.status, 'creating');
  const removed = await cleanupAll();
  t.true(removed.some((r) => r.prefix === 'kw-dead' && r.namespaces.length >= 7));
  t.deepEqual(await leftovers('kw-dead'), []);
});
