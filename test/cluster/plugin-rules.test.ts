import test from 'ava';
import { mergePluginRules } from '../../src/cluster/plugin-rules.js';
import { Netfilter } from '../../src/net/index.js';

const NODE = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SERVICES - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-POSTROUTING -j RETURN
COMMIT
`;

function plugins(...texts: string[]): Netfilter {
  const n = new Netfilter('node/x');
  for (const t of texts) n.iptablesRestore(t, { noflush: true });
  return n;
}

test('rules a plugin inserted at the top of a built-in chain go before the node\'s own jumps, newest first; appended ones after, oldest first', (t) => {
  const p = plugins(
    '*nat\n:CNI-A - [0:0]\n-A POSTROUTING -s 10.0.0.2/32 -j CNI-A\n-A CNI-A -j ACCEPT\nCOMMIT\n',
    '*nat\n:CNI-MASQ - [0:0]\n-I POSTROUTING 1 -m comment --comment "first insert" -j CNI-MASQ\nCOMMIT\n',
    '*nat\n:CNI-B - [0:0]\n-A POSTROUTING -s 10.0.0.3/32 -j CNI-B\n-I POSTROUTING -j CNI-MASQ\n-A PREROUTING -j CNI-B\nCOMMIT\n',
  );
  const merged = new Netfilter('node/x');
  merged.iptablesRestore(mergePluginRules(NODE, p));
  const save = merged.iptablesSave();
  t.deepEqual([...save.matchAll(/^-A POSTROUTING .*-j (\S+)$/gm)].map((m) => m[1]), ['CNI-MASQ', 'CNI-MASQ', 'KUBE-POSTROUTING', 'CNI-A', 'CNI-B']);
  t.deepEqual([...save.matchAll(/^-A PREROUTING .*-j (\S+)$/gm)].map((m) => m[1]), ['KUBE-SERVICES', 'CNI-B']);
  // The node's chains keep their rules; the plugins' chains come along; every rule reads as iptables-save prints it.
  t.regex(save, /^-A KUBE-POSTROUTING -j RETURN$/m);
  t.regex(save, /^-A CNI-A -j ACCEPT$/m);
  t.notRegex(save, /^-I /m);
});

test('a table only the plugins wrote to is added whole; without plugin rules the node\'s text is unchanged in meaning', (t) => {
  const p = plugins('*filter\n:CNI-FORWARD - [0:0]\n-A FORWARD -j CNI-FORWARD\n-A CNI-FORWARD -s 10.0.0.0/24 -j ACCEPT\nCOMMIT\n');
  const merged = new Netfilter('node/x');
  merged.iptablesRestore(mergePluginRules(NODE, p));
  t.regex(merged.iptablesSave(), /^\*filter\n(?:.*\n)*-A FORWARD -j CNI-FORWARD\n/m);
  const plain = new Netfilter('node/x');
  plain.iptablesRestore(mergePluginRules(NODE, plugins()));
  const ref = new Netfilter('node/x');
  ref.iptablesRestore(NODE);
  t.is(plain.iptablesSave(), ref.iptablesSave());
});
