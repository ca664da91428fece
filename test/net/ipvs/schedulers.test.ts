import test from 'ava';
import { parseIp4 } from '../../../src/addr/index.js';
import { type RealServer, type SchedulerName, type VirtualService, maglevTable, schedule } from '../../../src/net/index.js';
import { makePacket } from '../../../src/packet/index.js';

const rs = (ip: string, weight = 1, activeConn = 0, inactConn = 0): RealServer => ({ address: parseIp4(ip), port: 8080, weight, forward: 'Masq', activeConn, inactConn });
const svc = (scheduler: SchedulerName, dests: RealServer[], flags: string[] = []): VirtualService => ({ vs: { protocol: 'TCP', address: parseIp4('10.96.0.10'), port: 80, scheduler, flags }, dests });
const pkt = (src: string, sport = 40000) => makePacket({ src: parseIp4(src), dst: parseIp4('10.96.0.10'), proto: 'tcp', sport, dport: 80 });
const picks = (s: VirtualService, src: string, sport?: number): string[] => schedule(s, pkt(src, sport)).map((c) => `${c.probability.toString()} ${c.dest.address === parseIp4('10.0.0.1') ? 'A' : c.dest.address === parseIp4('10.0.0.2') ? 'B' : 'C'}`);

const A = rs('10.0.0.1');
const B = rs('10.0.0.2');
const C = rs('10.0.0.3');

test('rr: every server with weight > 0 is a path of 1/n; weight 0 (quiesced) is skipped', (t) => {
  t.deepEqual(picks(svc('rr', [A, B, C]), '10.244.1.3'), ['1/3 A', '1/3 B', '1/3 C']);
  t.deepEqual(picks(svc('rr', [A, { ...B, weight: 0 }]), '10.244.1.3'), ['1 A']);
  t.regex(schedule(svc('rr', [A, B]), pkt('10.244.1.3'))[0]?.explanation ?? '', /pointer/);
});

test('wrr and wlc: long-run shares follow the weights', (t) => {
  t.deepEqual(picks(svc('wrr', [rs('10.0.0.1', 3), rs('10.0.0.2', 1)]), '10.244.1.3'), ['3/4 A', '1/4 B']);
  t.deepEqual(picks(svc('wlc', [rs('10.0.0.1', 1), rs('10.0.0.2', 2)]), '10.244.1.3'), ['1/3 A', '2/3 B']);
});

test('lc and sed read the connection counters: the least loaded server wins, ties share', (t) => {
  // lc overhead = 256 x active + inactive: A = 256, B = 5, C = 5.
  t.deepEqual(picks(svc('lc', [rs('10.0.0.1', 1, 1, 0), rs('10.0.0.2', 1, 0, 5), rs('10.0.0.3', 1, 0, 5)]), '10.244.1.3'), ['1/2 B', '1/2 C']);
  // sed: (active + 1) / weight: A (0+1)/1 = 1, B (1+1)/4 = 0.5 -> B.
  t.deepEqual(picks(svc('sed', [rs('10.0.0.1', 1, 0), rs('10.0.0.2', 4, 1)]), '10.244.1.3'), ['1 B']);
  t.deepEqual(picks(svc('nq', [rs('10.0.0.1', 1, 2), rs('10.0.0.2', 1, 2)]), '10.244.1.3'), ['1/2 A', '1/2 B']);
});

test('sh: deterministic per source address; weights give a server consecutive buckets', (t) => {
  // hash_32(10.244.1.3) = 175, hash_32(10.244.1.4) = 17, hash_32(192.168.50.200) = 237 (8 bits).
  // Weights A=2, B=1 fill the 256 buckets A,A,B,A,A,B,...: bucket i is B iff i % 3 == 2.
  const s = svc('sh', [rs('10.0.0.1', 2), rs('10.0.0.2', 1)]);
  t.deepEqual(picks(s, '10.244.1.3'), ['1 A']);
  t.deepEqual(picks(s, '10.244.1.4'), ['1 B']);
  t.deepEqual(picks(s, '192.168.50.200'), ['1 A']);
  t.deepEqual(picks(s, '10.244.1.3', 1), picks(s, '10.244.1.3', 2), 'the source port is ignored without sh-port');
});

test('dh: hashes the destination, so every client of one virtual address gets the same server', (t) => {
  // 10.96.0.10 x 2654435761 mod 256 = 234; 234 % 3 = 0 -> the first server.
  const s = svc('dh', [A, B, C]);
  t.deepEqual(picks(s, '10.244.1.3'), ['1 A']);
  t.deepEqual(picks(s, '192.168.50.200'), ['1 A']);
});

test('mh: the Maglev table is full and balanced; lookups are deterministic and depend on the port with mh-port', (t) => {
  const table = maglevTable([A, B, C]);
  t.is(table.length, 4093);
  t.true(table.every((d) => d !== undefined));
  const counts = [A, B, C].map((d) => table.filter((x) => x === d).length);
  t.true(counts.every((n) => Math.abs(n - 4093 / 3) < 2), `shares ${counts.join(',')}`);
  const s = svc('mh', [A, B, C], ['mh-port']);
  t.is(picks(s, '10.244.1.3', 1000).length, 1);
  t.deepEqual(picks(s, '10.244.1.3', 1000), picks(s, '10.244.1.3', 1000));
  const seen = new Set<string>();
  for (let p = 1000; p < 1040; p++) seen.add(picks(s, '10.244.1.3', p)[0] ?? '');
  t.is(seen.size, 3, 'with mh-port the source port spreads one client over all servers');
});

test('no available server: no choice (the caller answers ICMP port unreachable)', (t) => {
  t.deepEqual(schedule(svc('rr', []), pkt('10.244.1.3')), []);
  t.deepEqual(schedule(svc('sh', [{ ...A, weight: 0 }]), pkt('10.244.1.3')), []);
});
