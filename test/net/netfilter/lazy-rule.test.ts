import test from 'ava';
import { emptyRuleset, parseIptablesSave, printIptablesSave, restore, ruleSaveArgs } from '../../../src/net/netfilter/index.js';
import { kubeProxyRulesetText } from '../../../src/net/netfilter/bench.js';
import { LazyChain, LazyRule } from '../../../src/net/netfilter/lazy-rule.js';

// restore(ruleset, text) keeps fast-path rules as their place in the text and parses them again
// when read; parseIptablesSave keeps the parsed rules. Both must give the same rules.
const TEXT = kubeProxyRulesetText(20, 3);

test('rules restored lazily read back exactly as the eagerly parsed ones (text, line, spec, matches, target)', (t) => {
  const lazy = restore(emptyRuleset(), TEXT);
  const eager = parseIptablesSave(TEXT).ruleset;
  const svc = lazy.tables.nat.chains.get('KUBE-SERVICES');
  t.true(svc instanceof LazyChain, 'kube-proxy chains are restored lazily');
  let n = 0;
  for (const [name, e] of eager.tables.nat.chains) {
    const l = lazy.tables.nat.chains.get(name);
    t.is(l?.rules.length, e.rules.length, name);
    e.rules.forEach((er, i) => {
      const lr = l?.rules[i];
      t.false(lr instanceof LazyRule, 'what is read is the parsed rule');
      t.is(lr?.text, er.text);
      t.is(lr?.lineNo, er.lineNo);
      t.deepEqual(lr?.spec, er.spec);
      t.deepEqual(lr === undefined ? [] : ruleSaveArgs(lr), ruleSaveArgs(er));
      t.is(lr?.target?.name, er.target?.name);
      n++;
    });
  }
  t.is(n, 20 * (1 + 1 + 3 * 3) + 8);
  t.is(printIptablesSave(lazy), printIptablesSave(eager));
});

test('jumps from lazy rules count as references: -X refuses a chain still jumped to, and names the line', (t) => {
  const rs = restore(emptyRuleset(), TEXT);
  const sep = [...rs.tables.nat.chains.keys()].find((c) => c.startsWith('KUBE-SEP-')) ?? '';
  const err = t.throws(() => restore(rs, `*nat\n-X ${sep}\nCOMMIT\n`, { noflush: true }));
  t.regex(err?.message ?? '', new RegExp(`line 2: cannot delete chain ${sep}: it is still referenced by 1 rule`));
});

test('--noflush on a lazy ruleset: kept chains read back unchanged, -D by rule spec finds a lazy rule', (t) => {
  const rs = restore(emptyRuleset(), TEXT);
  const mark = rs.tables.nat.chains.get('KUBE-POSTROUTING');
  t.is(mark?.rules.length, 3);
  const next = restore(rs, '*nat\n-D KUBE-POSTROUTING -j MARK --xor-mark 0x4000\nCOMMIT\n', { noflush: true });
  t.deepEqual(
    next.tables.nat.chains.get('KUBE-POSTROUTING')?.rules.map((r) => r.text),
    ['-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN', '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully'],
  );
  const svc = (r: typeof rs): readonly string[] => r.tables.nat.chains.get('KUBE-SERVICES')?.rules.map((x) => x.text) ?? [];
  t.deepEqual(svc(next), svc(parseIptablesSave(TEXT).ruleset));
});

test('a bad line after thousands of lazy ones still fails the restore, naming its line', (t) => {
  const big = kubeProxyRulesetText(500, 3);
  const lines = big.split('\n');
  const at = lines.length - 3; // inside the nat block, before COMMIT
  lines.splice(at, 0, '-A KUBE-SERVICES -m tcp -p tcp --dport 80 -j KUBE-NOPE');
  const err = t.throws(() => restore(emptyRuleset(), lines.join('\n')));
  t.regex(err?.message ?? '', new RegExp(`^line ${at + 1}: unknown target or chain "KUBE-NOPE"`));
});

test('--noflush appending to a chain kept from an earlier text: old and new rules read back with their own lines', (t) => {
  const rs = restore(emptyRuleset(), TEXT);
  const svcName = [...rs.tables.nat.chains.keys()].find((c) => c.startsWith('KUBE-SVC-')) ?? '';
  const sepName = [...rs.tables.nat.chains.keys()].find((c) => c.startsWith('KUBE-SEP-')) ?? '';
  const before = rs.tables.nat.chains.get(svcName)?.rules.map((r) => [r.lineNo, r.text]) ?? [];
  t.is(before.length, 4);
  const add = `-A ${svcName} -m comment --comment "one more" -j ${sepName}`;
  const next = restore(rs, `*nat\n${add}\nCOMMIT\n`, { noflush: true });
  t.deepEqual(next.tables.nat.chains.get(svcName)?.rules.map((r) => [r.lineNo, r.text]), [...before, [2, add]]);
  // Now two rules jump to the SEP chain: flushing the SVC chain leaves none, and -X may delete it
  // once its own rules are gone too.
  t.throws(() => restore(next, `*nat\n-F ${sepName}\n-X ${sepName}\nCOMMIT\n`, { noflush: true }), { message: new RegExp(`still referenced by 2 rule`) });
  const freed = restore(next, `*nat\n:${svcName} - [0:0]\n-F ${sepName}\n-X ${sepName}\nCOMMIT\n`, { noflush: true });
  t.false(freed.tables.nat.chains.has(sepName));
  t.deepEqual(freed.tables.nat.chains.get(svcName)?.rules, []);
});

test('a chain written in one run of lines (kept as a span), then inserted into and appended to: rules in order, each with its own line', (t) => {
  const text = [
    '*nat',
    ':KUBE-SEP-A - [0:0]',
    ':KUBE-SEP-B - [0:0]',
    ':KUBE-MARK-MASQ - [0:0]',
    '-A KUBE-SEP-A -s 10.0.0.1 -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-A -m tcp -p tcp -j DNAT --to-destination 10.0.0.1:80',
    '-A KUBE-SEP-B -s 10.0.0.2 -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-A -m tcp -p tcp -j DNAT --to-destination 10.0.0.9:80',
    '-I KUBE-SEP-B 1 -s 10.0.0.3 -j KUBE-MARK-MASQ',
    'COMMIT',
    '',
  ].join('\n');
  const rs = restore(emptyRuleset(), text);
  const lines = (r: typeof rs, c: string): (string | number)[][] => r.tables.nat.chains.get(c)?.rules.map((x) => [x.lineNo, x.text]) ?? [];
  t.deepEqual(lines(rs, 'KUBE-SEP-A'), [
    [5, '-A KUBE-SEP-A -s 10.0.0.1 -j KUBE-MARK-MASQ'],
    [6, '-A KUBE-SEP-A -m tcp -p tcp -j DNAT --to-destination 10.0.0.1:80'],
    [8, '-A KUBE-SEP-A -m tcp -p tcp -j DNAT --to-destination 10.0.0.9:80'],
  ]);
  t.deepEqual(lines(rs, 'KUBE-SEP-B').map((l) => l[0]), [9, 7]);
  // Kept with --noflush, then appended to from a new text: the old lines keep their numbers.
  const next = restore(rs, '*nat\n-A KUBE-SEP-A -s 10.0.0.7 -j KUBE-MARK-MASQ\n-D KUBE-SEP-A 2\nCOMMIT\n', { noflush: true });
  t.deepEqual(lines(next, 'KUBE-SEP-A').map((l) => l[0]), [5, 8, 2]);
  t.deepEqual(lines(rs, 'KUBE-SEP-A').map((l) => l[0]), [5, 6, 8], 'the earlier ruleset is unchanged');
  // Every rule jumping to KUBE-MARK-MASQ is counted: 3 in B and A, plus the new one.
  t.throws(() => restore(next, '*nat\n-X KUBE-MARK-MASQ\nCOMMIT\n', { noflush: true }), { message: /still referenced by 4 rule/ });
});
