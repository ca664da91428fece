import test from 'ava';
import { parseIp4 } from '../../../src/addr/index.js';
import { type CtView, type HookBranch, type HostView, NEW_CT, Nftables, type Skb } from '../../../src/net/index.js';
import { makePacket } from '../../../src/packet/index.js';

// The forms the program writes inline or leaves out: ct state and mark comparisons, fib, numgen jumps and gotos
// (taken without their verdict objects after the first packet), and a rule ending in a lookup in an empty map.
const RULESET = `table ip t {
	map empty {
		type inet_proto . inet_service : verdict
	}

	chain pre {
		type filter hook prerouting priority -110; policy drop;
		ct state established accept
		fib daddr type local meta l4proto . th dport vmap @empty
		fib daddr type local ip daddr != 127.0.0.0/8 accept
		meta mark & 0x0000ff00 == 0x00000100 jump mark
		ip daddr 192.0.2.9 numgen random mod 3 vmap { 0 : jump sub, 1 : goto sub, 2 : drop }
		ip daddr 192.0.2.9 meta mark set meta mark | 0x00000008 accept
		ip daddr 192.0.2.10 accept
	}

	chain mark {
		meta mark set meta mark ^ 0x00000100
	}

	chain sub {
		meta mark set meta mark | 0x00000001
	}
}
`;

const LOCAL = parseIp4('192.168.0.2');
const HOST: HostView = { netns: 'n', addrType: (ip) => (ip === LOCAL ? 'LOCAL' : 'UNICAST'), primaryAddress: () => undefined, sourceAddressFor: () => undefined };

function run(n: Nftables, dst: string, opts: { mark?: number; ct?: CtView } = {}): HookBranch[] {
  const h = n.registrations().find((r) => r.hook === 'PREROUTING');
  const packet = makePacket({ src: parseIp4('10.0.0.2'), dst: parseIp4(dst), proto: 'tcp', sport: 40000, dport: 80 });
  const skb: Skb = { packet, mark: opts.mark ?? 0, ct: opts.ct ?? NEW_CT, inDev: 'eth0', outDev: undefined, physIn: undefined, physOut: undefined, bridged: false };
  return [...(h?.handler.process('PREROUTING', skb, HOST) ?? [])];
}

const table = (): Nftables => {
  const n = new Nftables('n');
  n.loadText(RULESET);
  return n;
};

const seen = (bs: HookBranch[]): unknown[] => bs.map((b) => [b.verdict.kind, b.skb.mark, b.hops.map((h) => `${h.chain ?? ''} #${h.ruleNumber ?? 0}: ${h.detail}`)]);

test('ct state as bits; fib; a rule ending in an empty map is left out and the rules after it keep their numbers', (t) => {
  const n = table();
  t.deepEqual(seen(run(n, '192.0.2.10', { ct: { ...NEW_CT, state: 'ESTABLISHED' } })), [['accept', 0, ['pre #1: accept']]]);
  t.deepEqual(seen(run(n, '192.168.0.2')), [['accept', 0, ['pre #3: accept']]]);
  t.deepEqual(seen(run(n, '192.0.2.10')), [['accept', 0, ['pre #7: accept']]]);
  t.deepEqual(seen(run(n, '192.0.2.11')), [['drop', 0, []]]);
});

test('meta mark & mask == value', (t) => {
  const n = table();
  t.deepEqual(seen(run(n, '192.0.2.10', { mark: 0x10100 })), [['accept', 0x10000, ['pre #4: jump', 'mark #1: mark set to 0x10000', 'pre #7: accept']]]);
  t.deepEqual(seen(run(n, '192.0.2.10', { mark: 0x200 })), [['accept', 0x200, ['pre #7: accept']]]);
});

test('numgen: a jump returns to the next rule, a goto ends at the base policy, a drop names the rule; the same once resolved', (t) => {
  const n = table();
  const expected = [
    ['accept', 9, ['pre #5: numgen random mod 3 = 0 (probability 1/3) → jump sub', 'sub #1: mark set to 0x1', 'pre #6: mark set to 0x9', 'pre #6: accept']],
    ['drop', 1, ['pre #5: numgen random mod 3 = 1 (probability 1/3) → goto sub', 'sub #1: mark set to 0x1']],
    ['drop', 0, ['pre #5: numgen random mod 3 = 2 (probability 1/3) → drop']],
  ];
  t.deepEqual(seen(run(n, '192.0.2.9')), expected);
  t.deepEqual(seen(run(n, '192.0.2.9')), expected);
  const reasons = run(n, '192.0.2.9').map((b) => (b.verdict.kind === 'drop' ? b.verdict.reason : ''));
  t.deepEqual(reasons, ['', 'nftables chain pre policy drop', 'nftables t chain pre: ip daddr 192.0.2.9 numgen random mod 3 vmap { 0 : jump sub, 1 : goto sub, 2 : drop }']);
});
