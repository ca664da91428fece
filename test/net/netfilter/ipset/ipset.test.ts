import test from 'ava';
import { Ipset, Ipsets, Netfilter, ipsetRestore, ipsetSave } from '../../../../src/net/netfilter/index.js';
import { fakeHost, skb } from '../helpers.js';

// `ipset save` lines as ipset v7.17 prints them (checked in a kw- namespace), initval dropped.
const SAVE = `create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536
add KUBE-CLUSTER-IP 10.96.0.1,tcp:443
add KUBE-CLUSTER-IP 10.96.0.10,udp:53
create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536
add KUBE-LOOP-BACK 10.244.1.5,tcp:80,10.244.1.5
create KUBE-LOAD-BALANCER-SOURCE-CIDR hash:ip,port,net family inet hashsize 1024 maxelem 65536
add KUBE-LOAD-BALANCER-SOURCE-CIDR 1.2.3.4,tcp:80,10.0.0.0/25
create N1 hash:net family inet hashsize 1024 maxelem 65536
add N1 10.0.0.0/8
add N1 1.2.3.4
create KUBE-NODE-PORT-TCP bitmap:port range 0-65535
add KUBE-NODE-PORT-TCP 30001
create KUBE-IPVS-IPS hash:ip family inet hashsize 1024 maxelem 65536
add KUBE-IPVS-IPS 10.96.0.1
`;

test('ipset save text round-trips', (t) => {
  t.is(ipsetSave(ipsetRestore(Ipsets.EMPTY, SAVE)), SAVE);
});

test('members are canonicalised (default proto tcp, /32 nets printed bare)', (t) => {
  const r = ipsetRestore(Ipsets.EMPTY, 'create S hash:ip,port\nadd S 10.0.0.1,80\ncreate N hash:net\nadd N 10.1.1.1/32\n');
  t.is(ipsetSave(r), 'create S hash:ip,port family inet hashsize 1024 maxelem 65536\nadd S 10.0.0.1,tcp:80\ncreate N hash:net family inet hashsize 1024 maxelem 65536\nadd N 10.1.1.1\n');
});

test('errors name the line and apply nothing; -exist tolerates duplicates', (t) => {
  const base = ipsetRestore(Ipsets.EMPTY, SAVE);
  t.throws(() => ipsetRestore(base, 'add N1 10.0.0.0/8\n'), { message: /^line 1: element 10.0.0.0\/8 is already added/ });
  t.throws(() => ipsetRestore(base, 'add N1 2.2.2.2\nadd NOPE 1.1.1.1\n'), { message: /^line 2: the set with the given name "NOPE" does not exist/ });
  t.false(base.get('N1')?.members.includes('2.2.2.2') ?? true);
  t.throws(() => ipsetRestore(base, 'add KUBE-CLUSTER-IP 10.0.0.1\n'), { message: /^line 1: "10.0.0.1" is not a valid hash:ip,port member/ });
  t.notThrows(() => ipsetRestore(base, 'add N1 10.0.0.0/8 -exist\n'));
});

test('-m set matches by src/dst flags for every set type kube-proxy IPVS mode uses', (t) => {
  const nf = new Netfilter('kw-ipset');
  nf.ipsetRestore(SAVE);
  nf.iptablesRestore(`*nat
:KUBE-SERVICES - [0:0]
-A PREROUTING -j KUBE-SERVICES
-A KUBE-SERVICES -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MARK --set-mark 0x1
-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT
-A KUBE-SERVICES -p tcp -m set --match-set KUBE-NODE-PORT-TCP dst -j MARK --set-mark 0x2
-A KUBE-SERVICES -m set --match-set KUBE-LOAD-BALANCER-SOURCE-CIDR dst,dst,src -j MARK --set-mark 0x3
-A KUBE-SERVICES -m set ! --match-set N1 src -j DROP
COMMIT
`);
  const host = fakeHost();
  const run = (s: ReturnType<typeof skb>): string => {
    const [b] = nf.runTable('nat', 'PREROUTING', s, host);
    return `${b?.verdict.kind ?? '?'} mark=${b?.skb.mark ?? -1}`;
  };
  t.is(run(skb('10.244.1.5', '10.244.1.5', 80)), 'accept mark=1'); // LOOP-BACK dst,dst,src marks it; nothing else matches; policy ACCEPT
  t.is(run(skb('10.0.0.2', '10.96.0.1', 443)), 'accept mark=0');
  t.is(run(skb('10.0.0.2', '10.96.0.10', 53, { proto: 'udp' })), 'accept mark=0');
  t.is(run(skb('10.0.0.2', '10.96.0.10', 53)), 'accept mark=0'); // tcp:53 is not in the set → policy
  t.is(run(skb('10.0.0.2', '192.168.0.2', 30001)), 'accept mark=2');
  t.is(run(skb('10.0.0.100', '1.2.3.4', 80)), 'accept mark=3');
  t.is(run(skb('10.0.0.200', '1.2.3.4', 80)), 'accept mark=0');
  t.is(run(skb('1.2.3.5', '9.9.9.9', 1)), 'drop mark=0');
  t.is(run(skb('1.2.3.4', '9.9.9.9', 1)), 'accept mark=0');
});

test('iptables-restore refuses -m set with a set that does not exist', (t) => {
  const nf = new Netfilter('kw-ipset');
  t.throws(() => nf.iptablesRestore('*filter\n-A INPUT -m set --match-set NOPE dst -j DROP\nCOMMIT\n'), { message: /^line 2: ipset "NOPE" does not exist/ });
});

test('restore: del then add moves a member to the end, a restore onto an existing registry keeps it unchanged, errors apply nothing', (t) => {
  const base = ipsetRestore(Ipsets.EMPTY, 'create S hash:ip family inet hashsize 1024 maxelem 65536\nadd S 10.0.0.1\nadd S 10.0.0.2\nadd S 10.0.0.3');
  const next = ipsetRestore(base, 'del S 10.0.0.1\nadd S 10.0.0.4\nadd S 10.0.0.1\nadd S 10.0.0.2 -exist');
  t.deepEqual(ipsetSave(next).split('\n').filter((l) => l.startsWith('add')), ['add S 10.0.0.2', 'add S 10.0.0.3', 'add S 10.0.0.4', 'add S 10.0.0.1']);
  t.deepEqual(ipsetSave(base).split('\n').filter((l) => l.startsWith('add')), ['add S 10.0.0.1', 'add S 10.0.0.2', 'add S 10.0.0.3'], 'the old registry is untouched');
  t.throws(() => ipsetRestore(base, 'add S 10.0.0.9\nadd S 10.0.0.2'), { message: /line 2: element 10\.0\.0\.2 is already added to set S/ });
  t.throws(() => ipsetRestore(base, 'add S 10.0.0.300'), { message: /line 1: "10\.0\.0\.300" is not a valid hash:ip member/ });
  const s = base.get('S');
  t.true(s instanceof Ipset && !s.has('10.0.0.9'), 'a failed restore applied nothing');
  // 20,000 members in one restore (the size of IPVS mode's KUBE-CLUSTER-IP at 10,000 Services of two ports).
  const big = ['create B hash:ip,port family inet hashsize 1024 maxelem 65536'];
  for (let i = 0; i < 20000; i++) big.push(`add B 10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255},tcp:80`);
  const r = ipsetRestore(Ipsets.EMPTY, big.join('\n'));
  const b = r.get('B');
  t.true(b instanceof Ipset && b.has('10.96.78.31,tcp:80'));
  t.is(ipsetSave(r).split('\n').filter((l) => l.startsWith('add')).length, 20000);
});

test('set membership by every dimension: exact ips and ports, a net of any listed length, no port for ICMP', (t) => {
  const sets = ipsetRestore(Ipsets.EMPTY, SAVE);
  const pkt = (src: string, dst: string, sport: number, dport: number, proto: 'tcp' | 'udp' | 'icmp' = 'tcp') => skb(src, dst, dport, { proto, sport }).packet;
  const loop = sets.get('KUBE-LOOP-BACK');
  const nets = sets.get('N1');
  const ports = sets.get('KUBE-NODE-PORT-TCP');
  const lb = sets.get('KUBE-LOAD-BALANCER-SOURCE-CIDR');
  if (loop === undefined || nets === undefined || ports === undefined || lb === undefined) return t.fail('sets missing');
  t.true(loop.test(pkt('10.244.1.5', '10.244.1.5', 1, 80), [false, false, true]));
  t.false(loop.test(pkt('10.244.1.6', '10.244.1.5', 1, 80), [false, false, true]), 'the third ip differs');
  t.false(loop.test(pkt('10.244.1.5', '10.244.1.5', 1, 80, 'udp'), [false, false, true]), 'udp:80 is not tcp:80');
  t.false(loop.test(pkt('10.244.1.5', '10.244.1.5', 0, 0, 'icmp'), [false, false, true]), 'ICMP has no port');
  t.true(nets.test(pkt('10.200.3.4', '9.9.9.9', 1, 1), [true]), 'in 10.0.0.0/8');
  t.true(nets.test(pkt('1.2.3.4', '9.9.9.9', 1, 1), [true]), '1.2.3.4 as a /32');
  t.false(nets.test(pkt('1.2.3.5', '9.9.9.9', 1, 1), [true]));
  t.true(ports.test(pkt('1.1.1.1', '2.2.2.2', 5, 30001, 'udp'), [false]), 'a bitmap:port has no protocol: the rule adds -p');
  t.false(ports.test(pkt('1.1.1.1', '2.2.2.2', 30001, 5), [false]));
  t.true(lb.test(pkt('10.0.0.127', '1.2.3.4', 5, 80), [false, false, true]), 'last address of 10.0.0.0/25');
  t.false(lb.test(pkt('10.0.0.128', '1.2.3.4', 5, 80), [false, false, true]), 'first address past the /25');
  t.false(lb.test(pkt('10.0.0.1', '1.2.3.4', 5, 81), [false, false, true]));
});
