import test from 'ava';
import { Netfilter } from '../../../src/net/netfilter/index.js';

const NAT = `*nat
:KUBE-SERVICES - [0:0]
-A PREROUTING -j KUBE-SERVICES
-A KUBE-SERVICES -d 172.30.0.41/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.180.0.1:8080
COMMIT
`;

test('two namespaces restoring the same text hold one ruleset, and each prints the same dump', (t) => {
  const a = new Netfilter('node/a');
  const b = new Netfilter('node/b');
  a.iptablesRestore(NAT);
  b.iptablesRestore(NAT);
  t.is(a.ruleset, b.ruleset);
  t.is(a.iptablesSave(), b.iptablesSave());
  t.regex(a.iptablesSave(), /-A KUBE-SERVICES -d 172\.30\.0\.41\/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10\.180\.0\.1:8080/);
});

test('a later restore into one namespace leaves the other namespace’s rules as they were', (t) => {
  const a = new Netfilter('node/a');
  const b = new Netfilter('node/b');
  a.iptablesRestore(NAT);
  b.iptablesRestore(NAT);
  const before = b.iptablesSave();
  a.iptablesRestore('*nat\n-A KUBE-SERVICES -j RETURN\nCOMMIT\n', { noflush: true });
  t.not(a.ruleset, b.ruleset);
  t.is(b.iptablesSave(), before);
  t.regex(a.iptablesSave(), /-A KUBE-SERVICES -j RETURN/);
  t.notRegex(b.iptablesSave(), /-A KUBE-SERVICES -j RETURN/);
});

test('different starting points do not share: the same text with --noflush onto other rules gives other rules', (t) => {
  const a = new Netfilter('node/a');
  const b = new Netfilter('node/b');
  b.iptablesRestore('*nat\n:EXTRA - [0:0]\nCOMMIT\n');
  a.iptablesRestore(NAT, { noflush: true });
  b.iptablesRestore(NAT, { noflush: true });
  t.not(a.ruleset, b.ruleset);
  t.regex(b.iptablesSave(), /^:EXTRA /m);
  t.notRegex(a.iptablesSave(), /^:EXTRA /m);
});

test('text naming an ipset is checked against each namespace’s own sets, never taken from another', (t) => {
  const rules = '*filter\n-A INPUT -m set --match-set KUBE-X dst -j ACCEPT\nCOMMIT\n';
  const a = new Netfilter('node/a');
  a.ipsetRestore('create KUBE-X hash:ip family inet hashsize 1024 maxelem 65536\n');
  a.iptablesRestore(rules);
  const b = new Netfilter('node/b');
  // b has no such set: iptables-restore refuses, even though a accepted the same text.
  t.throws(() => b.iptablesRestore(rules));
});

test('a refused restore is not remembered: the same bad text is refused again, and the rules are unchanged', (t) => {
  const bad = '*nat\n-A NOPE -j RETURN\nCOMMIT\n';
  const a = new Netfilter('node/a');
  t.throws(() => a.iptablesRestore(bad));
  t.throws(() => a.iptablesRestore(bad));
  t.notRegex(a.iptablesSave(), /NOPE/);
});
