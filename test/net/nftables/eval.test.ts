import test from 'ava';
import { parseIp4 } from '../../../src/addr/index.js';
import { type HookBranch, type HostView, NEW_CT, Nftables, type Skb } from '../../../src/net/index.js';
import { makePacket } from '../../../src/packet/index.js';

// Rules in both shapes the compiler writes: lone values (inline in the chain's program) and lists / sets (evaluated
// from their objects), with negations, statements undone by a later failed match, jumps and returns.
const RULESET = `table ip t {
	chain pre {
		type filter hook prerouting priority -110; policy accept;
		meta mark set meta mark | 0x00000001 ip daddr 192.0.2.99 drop
		ip daddr { 192.0.2.1, 192.0.2.2 } tcp dport { 80, 443 } jump web
		ip daddr 192.0.2.3 th dport 53 accept
		ip daddr 198.51.100.0/24 meta l4proto != udp reject
		ip saddr != 10.0.0.0/8 ip daddr 192.0.2.4 drop
		meta l4proto { tcp, udp } ip daddr 192.0.2.5 goto tail
		ip daddr 192.0.2.6 dnat to 10.9.9.9:8080
		ip daddr 192.0.2.7 numgen random mod 3 vmap { 0 : accept, 2 : drop }
		ip daddr 192.0.2.7 meta mark set meta mark | 0x00000004
	}

	chain web {
		tcp dport 443 return
		meta mark set meta mark | 0x00000002
	}

	chain tail {
		counter
		udp dport 5353 accept
	}
}
`;

const HOST: HostView = { netns: 'n', addrType: () => 'UNICAST', primaryAddress: () => undefined, sourceAddressFor: () => undefined };

function run(dst: string, proto: 'tcp' | 'udp' | 'icmp', dport: number, src = '10.0.0.2'): HookBranch[] {
  const n = new Nftables('n');
  n.loadText(RULESET);
  const h = n.registrations().find((r) => r.hook === 'PREROUTING');
  const packet = makePacket({ src: parseIp4(src), dst: parseIp4(dst), proto, sport: 40000, dport });
  const skb: Skb = { packet, mark: 0, ct: NEW_CT, inDev: 'eth0', outDev: undefined, physIn: undefined, physOut: undefined, bridged: false };
  return [...(h?.handler.process('PREROUTING', skb, HOST) ?? [])];
}

const only = (bs: HookBranch[]): HookBranch => {
  if (bs.length !== 1 || bs[0] === undefined) throw new Error(`expected one branch, got ${bs.length}`);
  return bs[0];
};

test('a mark set by a rule whose later match fails is undone, with its hop', (t) => {
  const b = only(run('192.0.2.50', 'tcp', 22));
  t.is(b.verdict.kind, 'accept');
  t.is(b.skb.mark, 0);
  t.deepEqual(b.hops.map((h) => h.detail), []);
  const d = only(run('192.0.2.99', 'tcp', 22));
  t.is(d.verdict.kind, 'drop');
  t.is(d.skb.mark, 1);
});

test('address and port lists; a jump returns to the rule after it, or ends at the regular chain end', (t) => {
  const https = only(run('192.0.2.2', 'tcp', 443));
  t.is(https.verdict.kind, 'accept');
  t.is(https.skb.mark, 0);
  t.deepEqual(https.hops.map((h) => h.detail), ['jump', 'return']);
  const http = only(run('192.0.2.1', 'tcp', 80));
  t.is(http.skb.mark, 2);
  t.is(only(run('192.0.2.1', 'tcp', 8080)).skb.mark, 0);
  t.is(only(run('192.0.2.1', 'udp', 80)).skb.mark, 0, 'tcp dport reads nothing from a udp packet');
});

test('th dport matches tcp and udp, never icmp', (t) => {
  t.deepEqual(run('192.0.2.3', 'udp', 53).map((b) => b.hops.map((h) => h.detail)), [['accept']]);
  t.deepEqual(run('192.0.2.3', 'tcp', 53).map((b) => b.hops.map((h) => h.detail)), [['accept']]);
  t.deepEqual(run('192.0.2.3', 'icmp', 53).map((b) => b.hops.map((h) => h.detail)), [[]]);
});

test('a CIDR and negated comparisons', (t) => {
  t.is(only(run('198.51.100.7', 'tcp', 1)).verdict.kind, 'reject');
  t.is(only(run('198.51.100.7', 'udp', 1)).verdict.kind, 'accept');
  t.is(only(run('192.0.2.4', 'tcp', 1, '10.1.2.3')).verdict.kind, 'accept', 'from inside 10.0.0.0/8');
  t.is(only(run('192.0.2.4', 'tcp', 1, '172.16.0.1')).verdict.kind, 'drop');
});

test('goto: the end of the regular chain applies the base chain policy; counter changes nothing', (t) => {
  t.deepEqual(only(run('192.0.2.5', 'udp', 5353)).hops.map((h) => h.detail), ['goto', 'accept']);
  const tcp = only(run('192.0.2.5', 'tcp', 5353));
  t.is(tcp.verdict.kind, 'accept');
  t.deepEqual(tcp.hops.map((h) => h.detail), ['goto']);
});

test('dnat rewrites the destination address and port and ends the chain', (t) => {
  const b = only(run('192.0.2.6', 'tcp', 80));
  t.is(b.verdict.kind, 'accept');
  t.is(b.skb.packet.dst, parseIp4('10.9.9.9'));
  t.is(b.skb.packet.dport, 8080);
  t.deepEqual(b.hops.map((h) => h.detail), ['dnat: tcp 10.0.0.2:40000 -> 192.0.2.6:80 => tcp 10.0.0.2:40000 -> 10.9.9.9:8080']);
});

test('numgen forks the path 1/n per number; a number with no element continues at the next rule', (t) => {
  const bs = run('192.0.2.7', 'tcp', 80);
  t.deepEqual(
    bs.map((b) => [b.probability.toString(), b.verdict.kind, b.skb.mark, b.hops.map((h) => h.detail)]),
    [
      ['1/3', 'accept', 0, ['numgen random mod 3 = 0 (probability 1/3) → accept']],
      ['1/3', 'accept', 4, ['mark set to 0x4']],
      ['1/3', 'drop', 0, ['numgen random mod 3 = 2 (probability 1/3) → drop']],
    ],
  );
});
