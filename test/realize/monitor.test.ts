import test from 'ava';
import { parseTraceLine, realRules, type TraceEvent } from '../../src/realize/index.js';

// Lines as xtables-monitor 1.8.9 (nf_tables) printed them inside a namespace on this machine.
const LINES = [
  'PACKET: 2 44d66a9e IN=cni0 MACSRC=6:60:e1:77:cb:bb MACDST=ee:94:3c:b5:15:f3 MACPROTO=0800 SRC=10.244.1.3 DST=10.244.3.3 LEN=60 TOS=0x0 TTL=64 ID=38897 DF SPORT=48186 DPORT=5432 SYN ',
  ' TRACE: 2 44d66a9e raw:PREROUTING:rule:0xb:CONTINUE  -4 -t raw -A PREROUTING -p tcp -m tcp --tcp-flags SYN,ACK SYN -j TRACE',
  ' TRACE: 2 44d66a9e raw:PREROUTING:policy:ACCEPT ',
  ' TRACE: 2 44d66a9e mangle:PREROUTING:policy:ACCEPT ',
  ' TRACE: 2 44d66a9e nat:PREROUTING:rule:0x20:JUMP:KUBE-SERVICES  -4 -t nat -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  ' TRACE: 2 44d66a9e nat:KUBE-SERVICES:return:',
  ' TRACE: 2 76cc6376 nat:PREROUTING:rule:0x2:ACCEPT  -4 -t nat -A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.9.0.2:8080',
];

test('TRACE lines: table, chain, type, verdict and the rule as iptables-save prints it', (t) => {
  const events = LINES.map(parseTraceLine);
  t.is(events[0], undefined, 'PACKET lines are not events');
  t.deepEqual(events[4], {
    id: '44d66a9e', table: 'nat', chain: 'PREROUTING', type: 'rule', verdict: 'JUMP:KUBE-SERVICES',
    rule: '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  });
  t.deepEqual(events[5], { id: '44d66a9e', table: 'nat', chain: 'KUBE-SERVICES', type: 'return', verdict: '', rule: null });
  t.like(events[3], { table: 'mangle', type: 'policy', verdict: 'ACCEPT', rule: null });
  // A colon inside the rule text (DNAT's address:port) stays in the rule.
  t.like(events[6], { verdict: 'ACCEPT', rule: '-A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.9.0.2:8080' });
});

test('real rule lists keep rule hits in order and leave out the raw table (our TRACE rules)', (t) => {
  const events = LINES.map(parseTraceLine).filter((e): e is TraceEvent => e !== undefined);
  t.deepEqual(realRules(new Map([['node/node-a', events], ['node/node-b', []]])), {
    'node/node-a': [
      'nat -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      'nat -A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.9.0.2:8080',
    ],
  });
});
