import test from 'ava';
import { emptyRuleset, parseIptablesSave, printIptablesSave, restore } from '../../../src/net/netfilter/index.js';

const BASE = `*nat
:KUBE-SERVICES - [0:0]
:KUBE-SVC-A - [0:0]
:KUBE-SVC-B - [0:0]
-A PREROUTING -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-SVC-A
-A KUBE-SERVICES -d 10.96.0.2/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-B
-A KUBE-SVC-A -j RETURN
-A KUBE-SVC-B -j RETURN
COMMIT
*filter
-A INPUT -j ACCEPT
COMMIT
`;

const nat = (rs: ReturnType<typeof emptyRuleset>): string => printIptablesSave(rs, { tables: ['nat'] });

test('--noflush: untouched chains stay, ":CHAIN - [0:0]" flushes, -X deletes (kube-proxy partial sync)', (t) => {
  const rs = parseIptablesSave(BASE).ruleset;
  const partial = `*nat
:KUBE-SERVICES - [0:0]
:KUBE-SVC-B - [0:0]
-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-SVC-A
-X KUBE-SVC-B
COMMIT
`;
  const next = restore(rs, partial, { noflush: true });
  t.is(
    nat(next),
    `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-A - [0:0]
-A PREROUTING -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-SVC-A
-A KUBE-SVC-A -j RETURN
COMMIT
`,
  );
  t.is(next.tables.filter.chains.get('INPUT')?.rules.length, 1);
});

test('without --noflush the restored table is replaced; other tables are kept', (t) => {
  const rs = parseIptablesSave(BASE).ruleset;
  const next = restore(rs, '*nat\n:KUBE-NEW - [0:0]\nCOMMIT\n');
  t.deepEqual([...next.tables.nat.chains.keys()], ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING', 'KUBE-NEW']);
  t.is(next.tables.nat.chains.get('PREROUTING')?.rules.length, 0);
  t.is(next.tables.filter.chains.get('INPUT')?.rules.length, 1);
});

test('an error anywhere applies nothing, and names the line', (t) => {
  const rs = parseIptablesSave(BASE).ruleset;
  const before = printIptablesSave(rs);
  const bad = '*filter\n-A INPUT -j DROP\nCOMMIT\n*nat\n-X KUBE-SVC-A\nCOMMIT\n';
  const e = t.throws(() => restore(rs, bad, { noflush: true }));
  t.regex(e?.message ?? '', /^line 5: cannot delete chain KUBE-SVC-A: it is still referenced by 1 rule\(s\)/);
  t.is(printIptablesSave(rs), before);
});

test('-I inserts at a position, -D deletes by spec or number, -P sets a policy', (t) => {
  const rs = restore(emptyRuleset(), '*filter\n-A INPUT -s 1.1.1.1 -j ACCEPT\n-A INPUT -s 2.2.2.2 -j ACCEPT\nCOMMIT\n');
  const next = restore(rs, '*filter\n-I INPUT 2 -s 3.3.3.3 -j DROP\n-D INPUT -s 1.1.1.1/32 -j ACCEPT\n-P INPUT DROP\nCOMMIT\n', { noflush: true });
  t.is(
    printIptablesSave(next),
    '*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 3.3.3.3/32 -j DROP\n-A INPUT -s 2.2.2.2/32 -j ACCEPT\nCOMMIT\n',
  );
  t.throws(() => restore(next, '*filter\n-D INPUT -s 9.9.9.9 -j ACCEPT\nCOMMIT\n', { noflush: true }), { message: /^line 2: bad rule/ });
});
