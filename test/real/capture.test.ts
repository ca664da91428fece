import test from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pcapAvailable, readPcap, startCapture } from '../../src/capture/index.js';
import { buildCluster } from '../../src/cluster/index.js';
import { realize, teardown } from '../../src/realize/index.js';
import { loadTopology } from '../../src/topology/index.js';
import { prerequisiteMissing } from './helpers/prerequisite.js';
import { tempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const ROOT = process.getuid?.() === 0;
const PCAP = await pcapAvailable();
const TSHARK = await run('tshark', ['--version']).then(() => true, () => false);
const why = !ROOT ? 'root (network namespaces)' : !PCAP.ok ? `node-pcap (${PCAP.why})` : !TSHARK ? 'tshark' : undefined;

// Ports with no tshark dissector, so the payload shows up as the `data` field.
// A throwaway pair kw-c-XXXX-a / -b joined by a veth (a in a, b in b), never connected to the host namespace.
const TAG = `kw-c-${randomBytes(2).toString('hex')}`;
const NS_A = `${TAG}-a`;
const NS_B = `${TAG}-b`;

const maybe = why === undefined ? test.serial : test.serial.skip;
if (why !== undefined) prerequisiteMissing('real capture tests', !ROOT ? 'root' : !PCAP.ok ? 'pcap' : 'tshark', `needs ${why}`);

const CLI_PREFIX = 'kw-ca9e';
const HOST_GW = fileURLToPath(new URL('../../topologies/three-node.yaml', import.meta.url));
const KUBEWIRE = fileURLToPath(new URL('../../bin/kubewire', import.meta.url));

test.after.always(async () => {
  if (!ROOT) return;
  await teardown(CLI_PREFIX).catch(() => undefined);
  for (const ns of [NS_A, NS_B]) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
});

const ip = (...args: string[]) => run('ip', args);

/** Sends UDP datagrams from inside a namespace with node's dgram (one socket, in order). */
async function sendUdp(ns: string, dst: string, port: number, payloads: string[]): Promise<void> {
  const script = `const s=require('dgram').createSocket('udp4');const p=${JSON.stringify(payloads)};` +
    `(function next(i){if(i===p.length){s.close();return;}s.send(Buffer.from(p[i]),${port},${JSON.stringify(dst)},(e)=>{if(e)throw e;next(i+1);});})(0);`;
  await run('ip', ['netns', 'exec', ns, process.execPath, '-e', script]);
}

test.before(async () => {
  if (why !== undefined) return;
  await ip('netns', 'add', NS_A);
  await ip('netns', 'add', NS_B);
  await ip('-n', NS_A, 'link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'b0', 'netns', NS_B);
  await ip('-n', NS_A, 'addr', 'add', '10.99.0.1/30', 'dev', 'a0');
  await ip('-n', NS_B, 'addr', 'add', '10.99.0.2/30', 'dev', 'b0');
  await ip('-n', NS_A, 'link', 'set', 'a0', 'up');
  await ip('-n', NS_B, 'link', 'set', 'b0', 'up');
  // Static neighbours: no ARP exchange, so the only UDP frames are ours and the count below is exact.
  const macA = JSON.parse((await ip('-n', NS_A, '-j', 'link', 'show', 'a0')).stdout)[0].address as string;
  const macB = JSON.parse((await ip('-n', NS_B, '-j', 'link', 'show', 'b0')).stdout)[0].address as string;
  await ip('-n', NS_A, 'neigh', 'replace', '10.99.0.2', 'lladdr', macB, 'dev', 'a0', 'nud', 'permanent');
  await ip('-n', NS_B, 'neigh', 'replace', '10.99.0.1', 'lladdr', macA, 'dev', 'b0', 'nud', 'permanent');
});

maybe('a capture on one end of a veth holds the UDP datagrams sent across it, with their payloads, as tshark reads them', async (t) => {
  const dir = tempDir(t, 'kw-cap-');
  const file = join(dir, 'b0.pcap');
  // Captured on b's end, filtered to UDP so nothing else the kernel may send (IPv6 DAD, MLD) gets in.
  const cap = await startCapture({ netns: NS_B, iface: 'b0', file, filter: 'udp' });
  t.is(cap.linkType, 'LINKTYPE_ETHERNET');
  await sendUdp(NS_A, '10.99.0.2', 40001, ['kubewire-one', 'kubewire-two']);
  await sendUdp(NS_B, '10.99.0.1', 40002, ['kubewire-back']);
  const { packets } = await cap.stop();
  t.is(packets, 3);

  const rows = (await run('tshark', ['-r', file, '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'udp.dstport', '-e', 'data'])).stdout
    .trim().split('\n').map((l) => l.split('\t'));
  const hex = (s: string): string => Buffer.from(s).toString('hex');
  t.deepEqual(rows, [
    ['10.99.0.1', '10.99.0.2', '40001', hex('kubewire-one')],
    ['10.99.0.1', '10.99.0.2', '40001', hex('kubewire-two')],
    ['10.99.0.2', '10.99.0.1', '40002', hex('kubewire-back')],
  ]);
  // Our own reader agrees on the record count and the Ethernet link type.
  const p = readPcap(readFileSync(file), file);
  t.is(p.records.length, 3);
  t.is(p.linkType, 1);
});

maybe('a BPF filter keeps only matching packets, and a missing interface is a clear start error', async (t) => {
  const file = join(tempDir(t, 'kw-cap-'), 'f.pcap');
  const cap = await startCapture({ netns: NS_A, iface: 'a0', file, filter: 'udp dst port 40000' });
  await sendUdp(NS_A, '10.99.0.2', 40003, ['skip-me']);
  await sendUdp(NS_A, '10.99.0.2', 40000, ['keep-me']);
  t.is((await cap.stop()).packets, 1);
  const out = (await run('tshark', ['-r', file, '-T', 'fields', '-e', 'udp.dstport', '-e', 'data'])).stdout;
  t.is(out, `40000\t${Buffer.from('keep-me').toString('hex')}\n`);
  await t.throwsAsync(startCapture({ netns: NS_A, iface: 'nope0', file: join(tmpdir(), 'kw-none.pcap') }), { code: 'KW_CAPTURE_START', message: /capture on kw-c-[0-9a-f]{4}-a:nope0: cannot capture on nope0/ });
});

maybe('kubewire capture on a realized topology writes one pcap per --on with the pod-to-pod datagram and its answer', async (t) => {
  const state = await realize(buildCluster(await loadTopology(HOST_GW)), { prefix: CLI_PREFIX, cniPath: ['/usr/lib/cni'] });
  const client = state.pods['demo/client'];
  const db = state.pods['demo/db'];
  if (client === undefined || db === undefined) return t.fail('three-node has pods demo/client and demo/db');
  const dir = tempDir(t, 'kw-cap-');
  const cli = spawn(KUBEWIRE, ['capture', HOST_GW, '--prefix', CLI_PREFIX, '--on', 'pod/demo/db:eth0', '--on', 'node-a:eth0', '--out', join(dir, 'c.pcap'), '--seconds', '3', '--filter', 'udp port 5432'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  cli.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const started = new Promise<void>((res) => cli.stderr.on('data', (c: Buffer) => {
    err += c.toString();
    if (err.includes('capturing on')) res();
  }));
  const exited = new Promise<number | null>((res) => cli.on('close', res));
  await Promise.race([started, exited]);
  // The responder answers a datagram with "<pod> <source>"; host-gw routes it unencapsulated through node-a's eth0.
  await sendUdp(client.netns, db.ip, 5432, ['kw-e2e-payload']);
  t.is(await exited, 0, err);
  t.regex(out, /c-pod-demo-db-eth0\.pcap: 2 packets \(pod\/demo\/db:eth0 in kw-ca9e-p\d+\)\n/);
  t.regex(out, /c-node-a-eth0\.pcap: 2 packets \(node-a:eth0 in kw-ca9e-n\d+\)\n/);
  for (const f of ['c-pod-demo-db-eth0.pcap', 'c-node-a-eth0.pcap']) {
    const file = join(dir, f);
    const rows = (await run('tshark', ['-r', file, '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'udp.dstport'])).stdout.trim().split('\n');
    t.is(rows[0], `${client.ip}\t${db.ip}\t5432`, f);
    t.regex(rows[1] ?? '', new RegExp(`^${db.ip.replaceAll('.', '\\.')}\t${client.ip.replaceAll('.', '\\.')}\t\\d+$`), f);
    const recs = readPcap(readFileSync(file), file).records;
    t.true(recs[0]?.data.includes('kw-e2e-payload'), f);
    t.true(recs[1]?.data.includes(`demo/db ${client.ip}:`), f);
  }
  await teardown(CLI_PREFIX);
});
