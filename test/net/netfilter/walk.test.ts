import test from 'ava';
import { Fraction } from '../../../src/lib/index.js';
import type { HookBranch } from '../../../src/net/hooks.js';
import { Netfilter } from '../../../src/net/netfilter/index.js';
import { fakeHost, skb } from './helpers.js';
import { flowKey as fk } from '../../../src/packet/index.js';

const host = fakeHost(['192.168.0.2'], { eth0: '192.168.0.2' });

function nf(text: string): Netfilter {
  const n = new Netfilter('kw-test');
  n.iptablesRestore(text);
  return n;
}

const summary = (bs: readonly HookBranch[]): string[] =>
  bs.map((b) => `${b.probability.toString()} ${b.verdict.kind}${b.verdict.kind === 'reject' ? `(${b.verdict.with})` : ''} ${fk(b.skb.packet)} mark=${b.skb.mark.toString(16)}`);

test('jump returns to the caller; goto returns to the caller of the caller; policy at the end', (t) => {
  const n = nf(`*filter
:INPUT DROP [0:0]
:A - [0:0]
:B - [0:0]
-A INPUT -j A
-A INPUT -p tcp --dport 22 -j ACCEPT
-A A -g B
-A A -j DROP
-A B -p tcp --dport 80 -j MARK --set-mark 0x1
-A B -j RETURN
COMMIT
`);
  // Port 80: A -g B marks, RETURN from B goes back to INPUT (not A, so A's DROP is skipped); then policy DROP.
  const r80 = n.runTable('filter', 'INPUT', skb('10.0.0.1', '192.168.0.2', 80), host);
  t.deepEqual(summary(r80), ['1 drop tcp 10.0.0.1:40000 -> 192.168.0.2:80 mark=1']);
  t.deepEqual(r80[0]?.hops.map((h) => `${h.chain ?? ''}#${h.ruleNumber ?? '-'} ${h.detail}`), ['INPUT#1 -j A', 'A#1 -g B', 'B#1 -j MARK: mark 0x1', 'B#2 -j RETURN', 'INPUT#- policy DROP']);
  const r22 = n.runTable('filter', 'INPUT', skb('10.0.0.1', '192.168.0.2', 22), host);
  t.deepEqual(summary(r22), ['1 accept tcp 10.0.0.1:40000 -> 192.168.0.2:22 mark=0']);
  t.is(r22[0]?.hops.at(-1)?.rule, '-A INPUT -p tcp --dport 22 -j ACCEPT');
  t.is(r22[0]?.hops.at(-1)?.ruleNumber, 2);
});

test('RETURN in a built-in chain applies the policy', (t) => {
  const n = nf('*filter\n:FORWARD DROP [0:0]\n-A FORWARD -j RETURN\n-A FORWARD -j ACCEPT\nCOMMIT\n');
  t.deepEqual(summary(n.runTable('filter', 'FORWARD', skb('1.1.1.1', '2.2.2.2'), host)), ['1 drop tcp 1.1.1.1:40000 -> 2.2.2.2:80 mark=0']);
});

test('statistic chain 0.3333333333 / 0.5000000000 / none gives three branches with the kernel probabilities', (t) => {
  const n = nf(`*nat
:SVC - [0:0]
:E1 - [0:0]
:E2 - [0:0]
:E3 - [0:0]
-A PREROUTING -j SVC
-A SVC -m statistic --mode random --probability 0.3333333333 -j E1
-A SVC -m statistic --mode random --probability 0.5000000000 -j E2
-A SVC -j E3
-A E1 -p tcp -j DNAT --to-destination 10.180.0.1:8080
-A E2 -p tcp -j DNAT --to-destination 10.180.0.2:8080
-A E3 -p tcp -j DNAT --to-destination 10.180.0.3:8080
COMMIT
`);
  const bs = n.runTable('nat', 'PREROUTING', skb('10.0.0.2', '172.30.0.41'), host);
  // lround(0.3333333333 * 2^31) = 715827883; the rest splits in half (0.5 is exact: 2^30).
  const p1 = Fraction.of(715827883, 2 ** 31);
  const p2 = p1.complement().mul(Fraction.of(1, 2));
  t.deepEqual(
    bs.map((b) => [b.probability.toString(), fk(b.skb.packet)]),
    [
      [p1.toString(), 'tcp 10.0.0.2:40000 -> 10.180.0.1:8080'],
      [p2.toString(), 'tcp 10.0.0.2:40000 -> 10.180.0.2:8080'],
      [p2.toString(), 'tcp 10.0.0.2:40000 -> 10.180.0.3:8080'],
    ],
  );
  // (1 - 715827883/2^31) / 2 = 1431655765/2^32
  t.is(p2.toString(), '1431655765/4294967296');
  t.true(bs.reduce((s, b) => s.add(b.probability), Fraction.ZERO).isOne());
  t.regex(bs[0]?.hops[1]?.detail ?? '', /probability 715827883\/2147483648 = 0.33333333349, written --probability 0.3333333333/);
  const nat = bs[0]?.hops.at(-1)?.nat;
  t.deepEqual(nat, { type: 'dnat', before: 'tcp 10.0.0.2:40000 -> 172.30.0.41:80', after: 'tcp 10.0.0.2:40000 -> 10.180.0.1:8080' });
});

test('statistic nth: every 3 starting at packet 1 matches the 2nd, 5th, 8th packet', (t) => {
  const n = nf('*mangle\n-A PREROUTING -m statistic --mode nth --every 3 --packet 1 -j MARK --set-mark 0x7\nCOMMIT\n');
  const marks: number[] = [];
  for (let i = 0; i < 8; i++) {
    const [b] = n.runTable('mangle', 'PREROUTING', skb('1.1.1.1', '2.2.2.2'), host);
    if (b === undefined) throw new Error('no branch');
    marks.push(b.skb.mark);
    n.commit(b.skb.pathState ?? new Map());
  }
  t.deepEqual(marks, [0, 7, 0, 0, 7, 0, 0, 7]);
});

test('-m recent: --rcheck on an empty list does not match; after --set it does, within --seconds', (t) => {
  const clock = { ms: 0, now(): number { return this.ms; } };
  const n = new Netfilter('kw-test', clock);
  n.iptablesRestore(`*nat
:SEP - [0:0]
-A PREROUTING -m recent --name SEP --rcheck --seconds 10 --reap -j SEP
-A PREROUTING -p tcp -j DNAT --to-destination 10.9.9.9:80
-A SEP -m recent --name SEP --set -p tcp -j DNAT --to-destination 10.1.1.1:80
COMMIT
`);
  const first = n.runTable('nat', 'PREROUTING', skb('10.0.0.2', '172.30.0.41'), host);
  t.deepEqual(summary(first), ['1 accept tcp 10.0.0.2:40000 -> 10.9.9.9:80 mark=0']);
  // Run SEP directly (a user chain is reached only by jump): simulate the --set by a path through it.
  n.iptablesRestore('*nat\n:SEP - [0:0]\n-A PREROUTING -j SEP\n-A SEP -m recent --name SEP --set -p tcp -j DNAT --to-destination 10.1.1.1:80\nCOMMIT\n');
  const [setBranch] = n.runTable('nat', 'PREROUTING', skb('10.0.0.2', '172.30.0.41'), host);
  n.commit(setBranch?.skb.pathState ?? new Map());
  n.iptablesRestore(`*nat
:SEP - [0:0]
-A PREROUTING -m recent --name SEP --rcheck --seconds 10 --reap -j SEP
-A PREROUTING -p tcp -j DNAT --to-destination 10.9.9.9:80
-A SEP -p tcp -j DNAT --to-destination 10.1.1.1:80
COMMIT
`);
  clock.ms = 9_000;
  t.deepEqual(summary(n.runTable('nat', 'PREROUTING', skb('10.0.0.2', '172.30.0.41'), host)), ['1 accept tcp 10.0.0.2:40000 -> 10.1.1.1:80 mark=0']);
  // Another client is not in the list.
  t.deepEqual(summary(n.runTable('nat', 'PREROUTING', skb('10.0.0.3', '172.30.0.41'), host)), ['1 accept tcp 10.0.0.3:40000 -> 10.9.9.9:80 mark=0']);
  clock.ms = 10_000;
  t.deepEqual(summary(n.runTable('nat', 'PREROUTING', skb('10.0.0.2', '172.30.0.41'), host)), ['1 accept tcp 10.0.0.2:40000 -> 10.9.9.9:80 mark=0']);
});

test('header matches with !, interfaces with +, multiport, addrtype with limit-iface, mark', (t) => {
  const n = nf(`*filter
-A INPUT ! -s 10.0.0.0/8 -i eth+ -p udp -m multiport --dports 53,8000:8100 -j REJECT
-A INPUT -m addrtype --dst-type LOCAL --limit-iface-in -m mark --mark 0x4000/0x4000 -j DROP
-A INPUT -m addrtype ! --src-type LOCAL -p tcp -m tcp ! --dport 80 -j REJECT --reject-with tcp-reset
COMMIT
`);
  const run = (s: ReturnType<typeof skb>): string[] => summary(n.runTable('filter', 'INPUT', s, host));
  t.deepEqual(run(skb('1.1.1.1', '192.168.0.2', 8050, { proto: 'udp', inDev: 'eth1' })), ['1 reject(icmp-port-unreachable) udp 1.1.1.1:40000 -> 192.168.0.2:8050 mark=0']);
  t.deepEqual(run(skb('10.1.1.1', '192.168.0.2', 53, { proto: 'udp', inDev: 'eth1' })), ['1 accept udp 10.1.1.1:40000 -> 192.168.0.2:53 mark=0']);
  t.deepEqual(run(skb('1.1.1.1', '192.168.0.2', 53, { proto: 'udp', inDev: 'lo' })), ['1 accept udp 1.1.1.1:40000 -> 192.168.0.2:53 mark=0']);
  t.deepEqual(run(skb('1.1.1.1', '192.168.0.2', 80, { inDev: 'eth0', mark: 0x4001 })), ['1 drop tcp 1.1.1.1:40000 -> 192.168.0.2:80 mark=4001']);
  t.deepEqual(run(skb('1.1.1.1', '192.168.0.2', 443, { inDev: 'eth0' })), ['1 reject(tcp-reset) tcp 1.1.1.1:40000 -> 192.168.0.2:443 mark=0']);
  t.deepEqual(run(skb('192.168.0.2', '192.168.0.2', 443, { inDev: 'eth0' })), ['1 accept tcp 192.168.0.2:40000 -> 192.168.0.2:443 mark=0']);
});

test('MARK spellings and CONNMARK save/restore', (t) => {
  const n = nf(`*mangle
-A PREROUTING -j MARK --set-mark 0xff
-A PREROUTING -j MARK --and-mark 0xf0
-A PREROUTING -j MARK --or-mark 0x4000
-A PREROUTING -j MARK --xor-mark 0x10
-A PREROUTING -j CONNMARK --save-mark --mask 0xffff
-A PREROUTING -j MARK --set-xmark 0x0/0xffffffff
-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xf000 --ctmask 0xf000
COMMIT
`);
  const [b] = n.runTable('mangle', 'PREROUTING', skb('1.1.1.1', '2.2.2.2'), host);
  // 0xff & 0xf0 = 0xf0; | 0x4000 = 0x40f0; ^ 0x10 = 0x40e0; ct = 0x40e0; mark = 0; restore the 0xf000 bits: 0x4000.
  t.is(b?.skb.ct.mark, 0x40e0);
  t.is(b?.skb.mark, 0x4000);
});

test('MASQUERADE takes the output device address; REDIRECT the input device or 127.0.0.1', (t) => {
  const n = nf(`*nat
-A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080
-A OUTPUT -p tcp --dport 80 -j REDIRECT --to-ports 8080
-A POSTROUTING -o eth0 -j MASQUERADE --random-fully
-A POSTROUTING -o eth9 -j MASQUERADE
-A POSTROUTING -p udp -j SNAT --to-source 10.1.1.1:1000-2000
COMMIT
`);
  const first = (hook: 'PREROUTING' | 'OUTPUT' | 'POSTROUTING', s: ReturnType<typeof skb>): string[] => summary(n.runTable('nat', hook, s, host));
  t.deepEqual(first('PREROUTING', skb('1.1.1.1', '9.9.9.9', 80, { inDev: 'eth0' })), ['1 accept tcp 1.1.1.1:40000 -> 192.168.0.2:8080 mark=0']);
  t.deepEqual(first('OUTPUT', skb('192.168.0.2', '9.9.9.9', 80)), ['1 accept tcp 192.168.0.2:40000 -> 127.0.0.1:8080 mark=0']);
  t.deepEqual(first('POSTROUTING', skb('10.0.0.2', '9.9.9.9', 443, { outDev: 'eth0' })), ['1 accept tcp 192.168.0.2:40000 -> 9.9.9.9:443 mark=0']);
  t.deepEqual(first('POSTROUTING', skb('10.0.0.2', '9.9.9.9', 443, { outDev: 'eth9' })), ['1 drop tcp 10.0.0.2:40000 -> 9.9.9.9:443 mark=0']);
  t.deepEqual(first('POSTROUTING', skb('10.0.0.2', '9.9.9.9', 53, { proto: 'udp', outDev: 'eth1' })), ['1 accept udp 10.1.1.1:1000 -> 9.9.9.9:53 mark=0']);
});

test('REDIRECT from the plan\'s words is the target applied: ports or none, an input device without an address, icmp', (t) => {
  const n = nf(`*nat
-A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080-8090
-A PREROUTING -p tcp --dport 81 -j REDIRECT
-A PREROUTING -p icmp -j REDIRECT --to-ports 8080
-A OUTPUT -p tcp --dport 80 -j REDIRECT --to-ports 8080
COMMIT
`);
  const both = (hook: 'PREROUTING' | 'OUTPUT', s: ReturnType<typeof skb>): string[] => {
    const planned = n.runTable('nat', hook, s, host);
    t.deepEqual(summary(planned), summary(n.runTable('nat', hook, s, host, { linear: true })));
    return [...summary(planned), ...planned.flatMap((b) => b.hops.map((h) => h.detail))];
  };
  t.deepEqual(both('PREROUTING', skb('1.1.1.1', '9.9.9.9', 80, { inDev: 'eth0' })).slice(0, 1), ['1 accept tcp 1.1.1.1:40000 -> 192.168.0.2:8080 mark=0']);
  t.deepEqual(both('PREROUTING', skb('1.1.1.1', '9.9.9.9', 81, { inDev: 'eth0' })).slice(0, 1), ['1 accept tcp 1.1.1.1:40000 -> 192.168.0.2:81 mark=0']);
  t.deepEqual(both('PREROUTING', skb('1.1.1.1', '9.9.9.9', 80, { inDev: 'eth7' })).slice(0, 1), ['1 drop tcp 1.1.1.1:40000 -> 9.9.9.9:80 mark=0']);
  t.deepEqual(both('PREROUTING', skb('1.1.1.1', '9.9.9.9', 0, { proto: 'icmp', inDev: 'eth0' })).slice(0, 1), ['1 accept icmp 1.1.1.1 -> 192.168.0.2 id=40000 mark=0']);
  t.deepEqual(both('OUTPUT', skb('192.168.0.2', '9.9.9.9', 80)).slice(0, 1), ['1 accept tcp 192.168.0.2:40000 -> 127.0.0.1:8080 mark=0']);
});

test('LOG continues; a rule without a target only counts; conntrack state matches', (t) => {
  const n = nf(`*filter
-A INPUT -j LOG --log-prefix "in: "
-A INPUT -p tcp
-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT
-A INPUT -m state --state NEW -j DROP
COMMIT
`);
  const [b] = n.runTable('filter', 'INPUT', skb('1.1.1.1', '192.168.0.2'), host);
  t.is(b?.verdict.kind, 'drop');
  t.deepEqual(b?.hops.map((h) => h.ruleNumber), [1, 4]);
  t.is(b?.hops[0]?.detail, '-j LOG: LOG level 4 prefix "in: "');
  const est = { ...skb('1.1.1.1', '192.168.0.2'), ct: { state: 'ESTABLISHED' as const, dnat: false, snat: false, mark: 0, reply: true } };
  t.is(n.runTable('filter', 'INPUT', est, host)[0]?.verdict.kind, 'accept');
});

test('physdev: bridged packets match their bridge ports; non-bridged match only fully inverted options', (t) => {
  const n = nf('*filter\n-A FORWARD -m physdev --physdev-is-in --physdev-in veth+ -j DROP\n-A FORWARD -m physdev ! --physdev-is-bridged -j REJECT\nCOMMIT\n');
  const bridged = { ...skb('10.0.0.1', '10.0.0.2'), bridged: true, physIn: 'veth1', physOut: 'veth2' };
  t.is(n.runTable('filter', 'FORWARD', bridged, host)[0]?.verdict.kind, 'drop');
  t.is(n.runTable('filter', 'FORWARD', skb('10.0.0.1', '10.0.0.2'), host)[0]?.verdict.kind, 'reject');
});

test('a jump taken before follows the chain of the table being walked after a --noflush restore replaces that chain', (t) => {
  const n = nf(`*filter
:INPUT ACCEPT [0:0]
:A - [0:0]
:B - [0:0]
-A INPUT -j A
-A A -j B
-A B -j DROP
COMMIT
`);
  const first = n.runTable('filter', 'INPUT', skb('10.0.0.1', '192.168.0.2', 80), host);
  t.deepEqual(summary(first), ['1 drop tcp 10.0.0.1:40000 -> 192.168.0.2:80 mark=0']);
  // The same packet again takes the remembered jumps and reports equal hops.
  const again = n.runTable('filter', 'INPUT', skb('10.0.0.1', '192.168.0.2', 80), host);
  t.deepEqual(
    again[0]?.hops.map((h) => `${h.chain ?? ''}#${h.ruleNumber ?? '-'} ${h.detail}`),
    first[0]?.hops.map((h) => `${h.chain ?? ''}#${h.ruleNumber ?? '-'} ${h.detail}`),
  );
  // Only B is redeclared (INPUT and A stay as they were): A's jump must now land in the new B.
  n.iptablesRestore('*filter\n:B - [0:0]\n-A B -j MARK --set-mark 0x2\nCOMMIT\n', { noflush: true });
  const after = n.runTable('filter', 'INPUT', skb('10.0.0.1', '192.168.0.2', 80), host);
  t.deepEqual(summary(after), ['1 accept tcp 10.0.0.1:40000 -> 192.168.0.2:80 mark=2']);
  t.deepEqual(after[0]?.hops.map((h) => `${h.chain ?? ''}#${h.ruleNumber ?? '-'} ${h.detail}`), ['INPUT#1 -j A', 'A#1 -j B', 'B#1 -j MARK: mark 0x2', 'INPUT#- policy ACCEPT']);
});

test('rules the walker does not test again (only a comment, or exactly the index keys) match exactly when a full test would', async (t) => {
  const { FlatRule } = await import('../../../src/net/netfilter/flat-rule.js');
  const lines = [
    '-A PREROUTING -j KUBE-SERVICES',
    // Same keys plus a source test: must still be tested.
    '-A KUBE-SERVICES -m comment --comment "a/b:p cluster IP" -m tcp -p tcp -d 172.30.0.1 --dport 80 -s 10.9.9.9 -j DROP',
    '-A KUBE-SERVICES -m comment --comment "a/b:p cluster IP" -m tcp -p tcp -d 172.30.0.1 --dport 80 -j KUBE-SVC-A',
  ];
  // Enough other services for KUBE-SERVICES to be indexed.
  for (let s = 2; s < 20; s++) lines.push(`-A KUBE-SERVICES -m comment --comment "a/s${s}:p cluster IP" -m tcp -p tcp -d 172.30.0.${s} --dport 80 -j DROP`);
  // A short chain (scanned linearly): exact keys are no guarantee there.
  lines.push('-A KUBE-SVC-A -m comment --comment "a/b:p" -m tcp -p tcp -d 172.30.0.2 --dport 80 -j DROP');
  lines.push('-A KUBE-SVC-A -m comment --comment "a/b:p" -s 10.9.9.8 -j DROP');
  lines.push('-A KUBE-SVC-A -m comment --comment "a/b:p -> 10.1.0.1:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-MARK-MASQ');
  lines.push('-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000');
  lines.push('-A KUBE-SVC-A -m comment --comment "a/b:p" -j ACCEPT');
  const n = nf(`*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-A - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n${lines.join('\n')}\nCOMMIT\n`);
  const chains = n.ruleset.tables.nat.chains;
  t.true([...(chains.get('KUBE-SERVICES')?.rules ?? []), ...(chains.get('KUBE-SVC-A')?.rules ?? [])].every((r) => r instanceof FlatRule), 'the kube-proxy shapes take the flat path');
  for (let round = 0; round < 2; round++) {
    // A source the DROP rule names; another source; another port.
    t.deepEqual(summary(n.runTable('nat', 'PREROUTING', skb('10.9.9.9', '172.30.0.1', 80), host)), ['1 drop tcp 10.9.9.9:40000 -> 172.30.0.1:80 mark=0']);
    t.deepEqual(summary(n.runTable('nat', 'PREROUTING', skb('10.0.0.1', '172.30.0.1', 80), host)), ['1/2 accept tcp 10.0.0.1:40000 -> 172.30.0.1:80 mark=4000', '1/2 accept tcp 10.0.0.1:40000 -> 172.30.0.1:80 mark=0']);
    t.deepEqual(summary(n.runTable('nat', 'PREROUTING', skb('10.0.0.1', '172.30.0.1', 81), host)), ['1 accept tcp 10.0.0.1:40000 -> 172.30.0.1:81 mark=0']);
  }
});
