import test from 'ava';
import type { Hook, HookBranch, HookHop, Skb } from '../../../src/net/hooks.js';
import { Netfilter, NF_PRIORITY } from '../../../src/net/netfilter/index.js';
import { Netns } from '../../../src/net/netns.js';
import { flowKey } from '../../../src/packet/index.js';
import { fakeHost, skb } from './helpers.js';

const host = fakeHost(['192.168.0.2'], { eth0: '192.168.0.2' });

const RULES = `*nat
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-A - [0:0]
:KUBE-SEP-1 - [0:0]
:KUBE-SEP-2 - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-A
-A KUBE-SVC-A -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-A -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-1
-A KUBE-SVC-A -j KUBE-SEP-2
-A KUBE-SEP-1 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:8080
-A KUBE-SEP-2 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:8080
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
COMMIT
*filter
:KUBE-FORWARD - [0:0]
-A FORWARD -j KUBE-FORWARD
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-FORWARD -m conntrack --ctstate DNAT -j ACCEPT
COMMIT
`;

interface Path {
  prob: string;
  skb: Skb;
  hops: HookHop[];
  verdict: string;
}

/** Runs a hook's handlers in priority order, forking on branches (what the datapath does). */
function runHook(nf: Netfilter, hook: Hook, paths: Path[]): Path[] {
  const handlers = nf.registrations().filter((r) => r.hook === hook).map((r) => r.handler).sort((a, b) => a.priority - b.priority);
  let cur = paths;
  for (const h of handlers) {
    const next: Path[] = [];
    for (const p of cur) {
      if (p.verdict !== 'accept') {
        next.push(p);
        continue;
      }
      const bs: readonly HookBranch[] = h.process(hook, p.skb, host);
      for (const b of bs) next.push({ prob: b.probability.isOne() ? p.prob : `${p.prob}*${b.probability.toString()}`, skb: b.skb, hops: [...p.hops, ...b.hops], verdict: b.verdict.kind });
    }
    cur = next;
  }
  return cur;
}

function forward(nf: Netfilter, s: Skb): Path[] {
  let paths: Path[] = [{ prob: '1', skb: s, hops: [], verdict: 'accept' }];
  paths = runHook(nf, 'PREROUTING', paths);
  paths = paths.map((p) => ({ ...p, skb: { ...p.skb, outDev: 'eth0' } }));
  paths = runHook(nf, 'FORWARD', paths);
  return runHook(nf, 'POSTROUTING', paths);
}

test('handlers sit at the kernel priorities', (t) => {
  const regs = new Netfilter('kw-x').registrations();
  const at = (hook: Hook): string[] => regs.filter((r) => r.hook === hook).sort((a, b) => a.handler.priority - b.handler.priority).map((r) => `${r.handler.name}@${r.handler.priority}`);
  t.deepEqual(at('PREROUTING'), ['iptables-raw@-300', 'conntrack@-200', 'iptables-mangle@-150', 'iptables-nat@-100']);
  t.deepEqual(at('INPUT'), ['iptables-mangle@-150', 'iptables-filter@0', 'iptables-nat@100', `conntrack-confirm@${NF_PRIORITY.confirm}`]);
  t.deepEqual(at('POSTROUTING'), ['iptables-mangle@-150', 'iptables-nat@100', `conntrack-confirm@${NF_PRIORITY.confirm}`]);
});

test('first packet: DNAT decided in PREROUTING (two endpoints), MASQUERADE for an off-cluster client; replies are reversed by conntrack', (t) => {
  const nf = new Netfilter('kw-node');
  nf.iptablesRestore(RULES);
  const paths = forward(nf, skb('203.0.113.2', '172.30.0.41', 80, { inDev: 'eth0' }));
  t.deepEqual(
    paths.map((p) => [p.prob, p.verdict, flowKey(p.skb.packet), p.skb.ct.dnat, p.skb.ct.snat, p.skb.mark]),
    [
      ['1*1/2', 'accept', 'tcp 192.168.0.2:40000 -> 10.180.0.1:8080', true, true, 0],
      ['1*1/2', 'accept', 'tcp 192.168.0.2:40000 -> 10.180.0.2:8080', true, true, 0],
    ],
  );
  const first = paths[0];
  if (first === undefined) return t.fail();
  t.true(first.hops.some((h) => h.nat?.type === 'masquerade' && h.nat.after === 'tcp 192.168.0.2:40000 -> 10.180.0.1:8080'));
  t.true(first.hops.some((h) => h.chain === 'KUBE-FORWARD' && h.ruleNumber === 3));

  // The reply from endpoint 1, on this path's state: un-SNAT in PREROUTING, un-DNAT in POSTROUTING, no nat rules run.
  const reply = { ...skb('10.180.0.1', '192.168.0.2', 40000, { sport: 8080, inDev: 'eth1' }), pathState: first.skb.pathState ?? new Map() };
  const back = forward(nf, reply);
  t.deepEqual(back.map((p) => [p.verdict, flowKey(p.skb.packet), p.skb.ct.state, p.skb.ct.reply]), [['accept', 'tcp 172.30.0.41:80 -> 203.0.113.2:40000', 'ESTABLISHED', true]]);
  t.false(back[0]?.hops.some((h) => h.table === 'nat') ?? true);
  t.deepEqual(back[0]?.hops.filter((h) => h.nat !== undefined).map((h) => h.nat?.type), ['snat', 'dnat']);

  // The second packet of the connection (after the reply): ESTABLISHED, translated from the entry, no nat rules run.
  const again = forward(nf, { ...skb('203.0.113.2', '172.30.0.41', 80, { inDev: 'eth0' }), pathState: back[0]?.skb.pathState ?? new Map() });
  t.deepEqual(again.map((p) => [p.prob, flowKey(p.skb.packet), p.skb.ct.state]), [['1', 'tcp 192.168.0.2:40000 -> 10.180.0.1:8080', 'ESTABLISHED']]);
  t.false(again[0]?.hops.some((h) => h.table === 'nat') ?? true);
});

test('forked paths keep separate conntrack entries; the committed state is untouched', (t) => {
  const nf = new Netfilter('kw-node');
  nf.iptablesRestore(RULES);
  const paths = forward(nf, skb('10.0.0.2', '172.30.0.41', 80, { inDev: 'veth1' }));
  t.is(paths.length, 2);
  const entries = paths.map((p) => nf.stateOf(p.skb).conntrack.entries().map((e) => `${e.id} ${e.confirmed} ${e.reply.src}`));
  t.is(entries[0]?.length, 1);
  t.is(entries[1]?.length, 1);
  t.not(entries[0]?.[0], entries[1]?.[0]);
  t.deepEqual(nf.state.conntrack.entries(), []);
  // A pod source is not masqueraded (! -s 10.0.0.0/8 did not match).
  t.is(flowKey(paths[0]?.skb.packet ?? skb('0.0.0.0', '0.0.0.0').packet), 'tcp 10.0.0.2:40000 -> 10.180.0.1:8080');
  nf.commit(paths[1]?.skb.pathState ?? new Map());
  t.is(nf.state.conntrack.entries().length, 1);
});

test('installShared: namespaces with the same rules share handlers and hook lists, each running its own netfilter; a rule change takes the new ruleset\'s', (t) => {
  const ns1 = new Netns('kw-a', { kind: 'node', node: 'a' });
  const ns2 = new Netns('kw-b', { kind: 'node', node: 'b' });
  const nf1 = new Netfilter(ns1.name);
  const nf2 = new Netfilter(ns2.name);
  nf1.iptablesRestore(RULES);
  nf2.iptablesRestore(RULES);
  const regs = nf1.installShared(ns1);
  nf2.installShared(ns2);
  t.is(ns1.netfilter, nf1);
  t.is(ns2.netfilter, nf2);
  const hooks: Hook[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];
  for (const hook of hooks) t.is(ns1.handlers(hook), ns2.handlers(hook));
  // The same layout as registrations().
  t.deepEqual(
    regs.map((r) => `${r.hook}:${r.handler.name}@${r.handler.priority}`),
    nf1.registrations().map((r) => `${r.hook}:${r.handler.name}@${r.handler.priority}`),
  );
  // A shared handler runs the netfilter of the namespace it is called in: conntrack state lands in that one's key.
  const ct = ns1.handlers('PREROUTING').find((h) => h.name === 'conntrack');
  if (ct === undefined) return t.fail();
  const [b1] = ct.process('PREROUTING', skb('203.0.113.2', '172.30.0.41', 80, { inDev: 'eth0' }), ns2);
  t.true(b1?.skb.pathState?.has(nf2.stateKey) === true);
  t.false(b1?.skb.pathState?.has(nf1.stateKey) === true);
  // Raw is idle under RULES; after a restore that fills it, ns2's raw handler is not, and ns1's still is.
  const rawIdle = (ns: Netns): boolean => ns.handlers('PREROUTING').find((h) => h.name === 'iptables-raw')?.idle?.('PREROUTING') === true;
  t.true(rawIdle(ns2));
  nf2.iptablesRestore('*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p udp -j ACCEPT\nCOMMIT\n', { noflush: true });
  t.false(rawIdle(ns2));
  t.true(rawIdle(ns1));
  t.not(ns1.handlers('PREROUTING'), ns2.handlers('PREROUTING'));
});
