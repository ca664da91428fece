import test from 'ava';
import { parseIp4 } from '../../../src/addr/index.js';
import { type VirtualService, parseIpvsadmList, parseIpvsadmSave, printIpvsadmList, printIpvsadmSave } from '../../../src/net/index.js';
import { isKubewireError } from '../../../src/lib/index.js';

const table: VirtualService[] = [
  { vs: { protocol: 'UDP', address: parseIp4('10.0.0.10'), port: 53, scheduler: 'rr', flags: [] }, dests: [{ address: parseIp4('172.17.0.2'), port: 53, weight: 1, forward: 'Masq', activeConn: 0, inactConn: 0 }] },
  {
    vs: { protocol: 'TCP', address: parseIp4('10.0.0.1'), port: 443, scheduler: 'rr', flags: [], persistent: { timeout: 10800, netmask: parseIp4('255.255.255.255') } },
    dests: [{ address: parseIp4('192.168.0.1'), port: 6443, weight: 1, forward: 'Masq', activeConn: 1, inactConn: 0 }],
  },
];

test('ipvsadm -Ln: header, services sorted TCP before UDP, persistent flag, destination columns', (t) => {
  t.is(
    printIpvsadmList(table),
    `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.0.0.1:443 rr persistent 10800
  -> 192.168.0.1:6443             Masq    1      1          0
UDP  10.0.0.10:53 rr
  -> 172.17.0.2:53                Masq    1      0          0
`,
  );
});

test('ipvsadm -S -n: -A/-a rules; parse(print(x)) gives x back, counters aside', (t) => {
  const text = printIpvsadmSave(table);
  t.is(text, `-A -t 10.0.0.1:443 -s rr -p 10800
-a -t 10.0.0.1:443 -r 192.168.0.1:6443 -m -w 1
-A -u 10.0.0.10:53 -s rr
-a -u 10.0.0.10:53 -r 172.17.0.2:53 -m -w 1
`);
  const back = parseIpvsadmSave(text);
  t.is(printIpvsadmSave(back), text);
  t.is(back.find((s) => s.vs.port === 443)?.vs.persistent?.timeout, 10800);
});

test('ipvsadm -Ln parses back with the connection counters', (t) => {
  const back = parseIpvsadmList(printIpvsadmList(table));
  t.is(printIpvsadmList(back), printIpvsadmList(table));
  t.is(back.find((s) => s.vs.port === 443)?.dests[0]?.activeConn, 1);
});

test('bad input names the line', (t) => {
  const e1 = t.throws(() => parseIpvsadmSave('-A -t 10.0.0.1:443 -s rr\n-a -t 10.0.0.1:443 -r 10.1.1.1 -m -w 1\n', 'node1.ipvs'));
  t.true(isKubewireError(e1));
  t.regex(e1?.message ?? '', /^node1\.ipvs: line 2: "10\.1\.1\.1" is not an IPv4 address:port/);
  const e2 = t.throws(() => parseIpvsadmSave('-A -t 10.0.0.1:443 -s fancy\n'));
  t.regex(e2?.message ?? '', /line 1: unknown scheduler "fancy"/);
  const e3 = t.throws(() => parseIpvsadmList('IP Virtual Server version 1.2.1 (size=4096)\nTCP  10.0.0.1:443 rr\n  -> garbage\n'));
  t.regex(e3?.message ?? '', /line 3: not a service or real-server line/);
});
