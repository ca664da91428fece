import test from 'ava';
import { parseIp4 } from '../../../src/addr/index.js';
import { type HostView, NEW_CT, Nftables, type Skb, parseNftRuleset, printNftTable, priorityText } from '../../../src/net/index.js';
import { isKubewireError } from '../../../src/lib/index.js';
import { makePacket } from '../../../src/packet/index.js';

const RULESET = `table ip kube-proxy {
	comment "rules for kube-proxy"
	map service-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"
		elements = { 172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80,
			     172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain }
	}

	set affinity-X {
		type ipv4_addr
		size 65535
		flags dynamic,timeout
		timeout 3h
	}

	chain nat-prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		jump services
	}

	chain filter-input {
		type filter hook input priority -110; policy accept;
		ct state new ip daddr 172.30.0.46 tcp dport 80 goto reject-chain
	}

	chain services {
		ip daddr . meta l4proto . th dport vmap @service-ips
	}

	chain reject-chain {
		comment "helper for @no-endpoint-services / @no-endpoint-nodeports"
		reject
	}

	chain mark-for-masquerade {
		meta mark set meta mark | 0x00004000
	}

	chain service-ULMVA6XW-ns1/svc1/tcp/p80 {
		ip daddr 172.30.0.41 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
		ip saddr @affinity-X goto endpoint-A
		numgen random mod 2 vmap { 0 : goto endpoint-A, 1 : goto endpoint-B }
	}

	chain endpoint-A {
		ip saddr 10.180.0.1 jump mark-for-masquerade
		update @affinity-X { ip saddr }
		meta l4proto tcp dnat to 10.180.0.1:80
	}

	chain endpoint-B {
		ip saddr 10.180.0.2 jump mark-for-masquerade
		meta l4proto tcp dnat to 10.180.0.2:80
	}
}
`;

test('nft list ruleset: parse(print(x)) is the same text', (t) => {
  const tables = parseNftRuleset(RULESET);
  t.is(tables.length, 1);
  t.is(printNftTable(tables[0]!), RULESET);
  t.is(tables[0]?.chains.get('filter-input')?.base?.priority, -110);
  t.is(tables[0]?.sets.get('affinity-X')?.timeout, 10800);
  t.is(tables[0]?.sets.get('affinity-X')?.size, 65535);
});

test('bad input: an error naming the line, nothing loaded', (t) => {
  const bad = RULESET.replace('numgen random mod 2', 'numgen random mood 2');
  const e = t.throws(() => parseNftRuleset(bad, 'node1.nft'));
  t.true(isKubewireError(e));
  t.regex(e?.message ?? '', /^node1\.nft: line 43: chain service-ULMVA6XW-ns1\/svc1\/tcp\/p80: expected "mod", got "mood"/);
  const dangling = RULESET.replace('goto endpoint-A, 1', 'goto endpoint-Z, 1');
  t.regex(t.throws(() => parseNftRuleset(dangling))?.message ?? '', /refers to chain endpoint-Z, which does not exist/);
  t.regex(t.throws(() => parseNftRuleset('table inet filter {\n}\n'))?.message ?? '', /line 1: only the ip family is modelled/);
});

test('priorities print as nft 1.0.6 prints them: a name only where it applies to the hook, else the number', (t) => {
  // Checked against nft 1.0.6 (Debian 12): `nft list ruleset` after loading chains at these numbers.
  const cases: [number, string, string][] = [
    [-110, 'prerouting', 'dstnat - 10'],
    [-110, 'input', '-110'],
    [-110, 'forward', '-110'],
    [-110, 'output', '-110'],
    [-100, 'prerouting', 'dstnat'],
    [-100, 'output', '-100'],
    [100, 'postrouting', 'srcnat'],
    [100, 'input', '100'],
    [-90, 'output', '-90'],
    [0, 'input', 'filter'],
    [-160, 'prerouting', 'mangle - 10'],
    [-145, 'prerouting', 'mangle + 5'],
    [45, 'forward', 'security - 5'],
    [-200, 'forward', '-200'],
  ];
  t.deepEqual(cases.map(([p, hook]) => `${p}@${hook}: ${priorityText(p, hook)}`), cases.map(([p, hook, want]) => `${p}@${hook}: ${want}`));
  // nft >= 1.0.8 also names dstnat at output and srcnat at input.
  t.is(priorityText(-110, 'output', '1.0.8'), 'dstnat - 10');
  t.is(priorityText(100, 'input', '1.0.8'), 'srcnat');
  t.is(priorityText(-110, 'forward', '1.0.8'), '-110');
});

test('the parser reads both forms, and refuses a name no nft accepts at that hook', (t) => {
  const chain = (hook: string, prio: string) => `table ip t {\n\tchain c {\n\t\ttype filter hook ${hook} priority ${prio}; policy accept;\n\t}\n}\n`;
  const prio = (hook: string, p: string) => parseNftRuleset(chain(hook, p))[0]?.chains.get('c')?.base?.priority;
  t.is(prio('input', '-110'), -110);
  t.is(prio('prerouting', 'dstnat - 10'), -110);
  t.is(prio('output', 'dstnat - 10'), -110, 'as nft >= 1.0.8 prints a kube-proxy filter-output chain');
  t.is(prio('prerouting', 'dstnat -10'), -110);
  t.regex(t.throws(() => prio('prerouting', 'dstnat-10'))?.message ?? '', /bad priority "dstnat-10" \(nft reads "name-10" as one word/, 'nft 1.0.6 refuses it too');
  t.is(prio('postrouting', 'srcnat + 5'), 105);
  t.is(prio('forward', 'filter'), 0);
  t.regex(t.throws(() => prio('prerouting', 'srcnat'))?.message ?? '', /line 3: chain c: priority "srcnat" is not valid at hook prerouting/);
  t.regex(t.throws(() => prio('forward', 'dstnat - 10'))?.message ?? '', /priority "dstnat" is not valid at hook forward/);
  t.regex(t.throws(() => prio('input', 'natty'))?.message ?? '', /unknown priority name "natty"/);
  // Printing the newer form back gives nft 1.0.6's.
  const t2 = parseNftRuleset(chain('output', 'dstnat - 10'))[0];
  t.true(t2 !== undefined && printNftTable(t2).includes('type filter hook output priority -110; policy accept;'));
});

const HOST: HostView = { netns: 'n', addrType: () => 'UNICAST', primaryAddress: () => undefined, sourceAddressFor: () => undefined };
const skb = (src: string, dst: string): Skb => ({ packet: makePacket({ src: parseIp4(src), dst: parseIp4(dst), proto: 'tcp', sport: 40000, dport: 80 }), mark: 0, ct: NEW_CT, inDev: 'eth0', outDev: undefined, physIn: undefined, physOut: undefined, bridged: false });

function nat(): (s: Skb) => ReturnType<NonNullable<ReturnType<Nftables['registrations']>[number]['handler']['process']>> {
  const n = new Nftables('n');
  n.loadText(RULESET);
  const h = n.registrations().find((r) => r.hook === 'PREROUTING');
  return (s) => h?.handler.process('PREROUTING', s, HOST) ?? [];
}

test('vmap dispatch, numgen fork 1/2 each, masquerade mark for off-cluster clients, dnat', (t) => {
  const b = nat()(skb('192.168.0.9', '172.30.0.41'));
  t.deepEqual(b.map((x) => `${x.probability.toString()} ${x.verdict.kind} ${x.skb.packet.dst === parseIp4('10.180.0.1') ? 'A' : 'B'} mark=${x.skb.mark.toString(16)}`), ['1/2 accept A mark=4000', '1/2 accept B mark=4000']);
  t.is(b[0]?.hops.at(-1)?.nat?.type, 'dnat');
  t.is(b[0]?.hops.at(-1)?.chain, 'endpoint-A');
  const pod = nat()(skb('10.0.0.2', '172.30.0.41'));
  t.true(pod.every((x) => x.skb.mark === 0), 'pod traffic is not marked');
});

test('affinity: update @set on the first connection, then ip saddr @set pins the next one', (t) => {
  const run = nat();
  const first = run(skb('10.0.0.2', '172.30.0.41'));
  const viaA = first.find((x) => x.skb.packet.dst === parseIp4('10.180.0.1'));
  t.truthy(viaA?.skb.pathState);
  const again = run({ ...skb('10.0.0.2', '172.30.0.41'), ...(viaA?.skb.pathState === undefined ? {} : { pathState: viaA.skb.pathState }) });
  t.deepEqual(again.map((x) => `${x.probability.toString()} ${x.skb.packet.dst === parseIp4('10.180.0.1') ? 'A' : 'B'}`), ['1 A']);
});

test('filter base chain: goto reject-chain rejects; nat chains ignore non-NEW packets', (t) => {
  const n = new Nftables('n');
  n.loadText(RULESET);
  const input = n.registrations().find((r) => r.hook === 'INPUT');
  const r = input?.handler.process('INPUT', skb('10.0.0.2', '172.30.0.46'), HOST) ?? [];
  t.is(r[0]?.verdict.kind, 'reject');
  const est = nat()({ ...skb('10.0.0.2', '172.30.0.41'), ct: { ...NEW_CT, state: 'ESTABLISHED' } });
  t.is(est[0]?.skb.packet.dst, parseIp4('172.30.0.41'));
});
