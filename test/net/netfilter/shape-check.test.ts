import test from 'ava';
import { emptyRuleset, parseIptablesSave, restore, ruleSaveArgs } from '../../../src/net/netfilter/index.js';
import { SHAPE_NO, SHAPE_NO_JUMP, checkKubeShape } from '../../../src/net/netfilter/shape-check.js';

/** checkKubeShape on one `-A CHAIN …` line: where the args start is the first space after the chain. */
function check(line: string, nat = true): number {
  return checkKubeShape(line, line.indexOf(' ', 3), line.length, nat);
}

const SVC = 'KUBE-SVC-XPGD46QRK7WJZT7O';
const SEP = 'KUBE-SEP-ABCDEFGHIJKLMNOP';

test("kube-proxy's rule lines are accepted; the answer says where the jumped-to chain's name starts", (t) => {
  const jump = `-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j ${SVC}`;
  t.is(check(jump), jump.length - SVC.length);
  const masq = `-A ${SVC} -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`;
  t.is(check(masq), masq.length - 'KUBE-MARK-MASQ'.length);
  const pick = `-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.0.1.2:80" -m statistic --mode random --probability 0.3333333333 -j ${SEP}`;
  t.is(check(pick), pick.length - SEP.length);
  const own = `-A ${SEP} -m comment --comment ns1/svc1:p80 -s 10.0.1.2 -j KUBE-MARK-MASQ`;
  t.is(check(own), own.length - 'KUBE-MARK-MASQ'.length);
  t.is(check(`-A ${SEP} -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.1.2:80`), SHAPE_NO_JUMP);
  t.is(check(`-A ${SVC} -m statistic --mode random --probability 0.5 -j RETURN`), SHAPE_NO_JUMP);
});

test('anything outside the shapes, or that the fast parser would refuse, is left to the parsers', (t) => {
  const bad = [
    `-A ${SEP} -s 010.0.1.2 -j KUBE-MARK-MASQ`, // leading zero
    `-A ${SEP} -s 10.0.1.256 -j KUBE-MARK-MASQ`,
    `-A ${SEP} -s 10.0.1.2/33 -j KUBE-MARK-MASQ`,
    `-A ${SVC} -m tcp -p tcp -d 172.30.0.41 --dport 65536 -j ${SEP}`,
    `-A ${SVC} -m tcp -p udp -d 172.30.0.41 --dport 80 -j ${SEP}`, // protocol match differs from -p
    `-A ${SVC} -m statistic --mode random --probability 1.5 -j ${SEP}`,
    `-A ${SVC} -m comment --comment "a \\" b" -j ${SEP}`, // escape inside quotes
    `-A ${SVC} -m comment --comment "${'x'.repeat(256)}" -j ${SEP}`,
    `-A ${SVC} -j ${SEP} -m comment --comment late`, // order
    `-A ${SVC} -j ${SEP} `, // trailing space
    `-A ${SVC} -j KUBE-MARK-MASQ\r`,
    `-A ${SVC} -g ${SEP}`,
    `-A ${SVC} -j MARK --or-mark 0x4000`,
    `-A ${SEP} -m tcp -p tcp -j DNAT --to-destination 10.0.1.2:080`,
  ];
  for (const line of bad) t.is(check(line), SHAPE_NO, line);
  // DNAT is a nat-table target.
  t.is(check(`-A ${SEP} -m tcp -p tcp -j DNAT --to-destination 10.0.1.2:80`, false), SHAPE_NO);
  // `$` would also stop before U+2028: the match must reach the line's end.
  t.is(check(`-A ${SEP} -j KUBE-MARK-MASQ\u2028 -j DROP`), SHAPE_NO);
});

test('a restore through the in-place check gives the rules the full parser gives, and its errors', (t) => {
  const text = [
    '*nat',
    `:${SVC} - [0:0]`,
    `:${SEP} - [0:0]`,
    ':KUBE-MARK-MASQ - [0:0]',
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
    `-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.0.1.2:80" -m statistic --mode random --probability 0.5000000000 -j ${SEP}`,
    `-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.0.1.3:80" -j ${SEP}`,
    `-A ${SEP} -m comment --comment ns1/svc1:p80 -s 10.0.1.2/32 -j KUBE-MARK-MASQ`,
    `-A ${SEP} -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.1.2:80`,
    'COMMIT',
    '',
  ].join('\n');
  const lazy = restore(emptyRuleset(), text).tables.nat;
  const eager = parseIptablesSave(text).ruleset.tables.nat;
  for (const name of [SVC, SEP]) {
    t.deepEqual(lazy.chains.get(name)?.rules.map((r) => [r.lineNo, ruleSaveArgs(r).join(' ')]), eager.chains.get(name)?.rules.map((r) => [r.lineNo, ruleSaveArgs(r).join(' ')]));
  }
  t.deepEqual(lazy.chains.get(SEP)?.rules.map((r) => ruleSaveArgs(r).join(' ')), ['-s 10.0.1.2/32 -m comment --comment "ns1/svc1:p80" -j KUBE-MARK-MASQ', '-p tcp -m comment --comment "ns1/svc1:p80" -m tcp -j DNAT --to-destination 10.0.1.2:80']);
  // A jump to an undeclared chain, in an accepted shape, fails with the parser's message and line.
  const missing = text.replace(`:${SEP} - [0:0]\n`, '');
  const err = t.throws(() => restore(emptyRuleset(), missing));
  t.is(err?.message, `line 5: unknown target or chain "${SEP}" (-j ${SEP}): no such target extension and no such chain in table nat`);
  t.is(t.throws(() => parseIptablesSave(missing))?.message, err?.message);
  // Appending to an undeclared chain: the same error either way.
  const noChain = text.replace(`:${SVC} - [0:0]\n`, `:KUBE-OTHER - [0:0]\n`);
  t.is(t.throws(() => restore(emptyRuleset(), noChain))?.message, t.throws(() => parseIptablesSave(noChain))?.message);
});
