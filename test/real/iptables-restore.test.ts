import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import test from 'ava';
import { parseIptablesSave, printIptablesSave, printRulesetRestore, restore } from '../../src/net/netfilter/index.js';
import { prerequisiteMissing } from './helpers/prerequisite.js';

const NS = 'kw-nf-real';
const isRoot = process.getuid?.() === 0;
const hasIptables = spawnSync('iptables-restore', ['--version']).status === 0;
const skipReason = !isRoot ? 'needs root' : !hasIptables ? 'iptables-restore is not installed (apt-get install iptables)' : undefined;

const KUBE = readFileSync(new URL('../net/netfilter/fixtures/kube-proxy-restore.txt', import.meta.url), 'utf8');

function inNs(args: string[], input?: string): string {
  return execFileSync('ip', ['netns', 'exec', NS, ...args], { input, encoding: 'utf8' });
}

test.before(() => {
  if (skipReason !== undefined) return;
  spawnSync('ip', ['netns', 'del', NS]);
  execFileSync('ip', ['netns', 'add', NS]);
});

test.after.always(() => {
  if (skipReason === undefined) spawnSync('ip', ['netns', 'del', NS]);
});

const realTest = skipReason === undefined ? test : test.skip;
if (skipReason !== undefined) prerequisiteMissing('real iptables-restore tests', isRoot ? 'iptables' : 'root', skipReason);

realTest('our rendering is accepted by iptables-restore 1.8.9 and iptables-save prints exactly what printIptablesSave predicts', (t) => {
  const ours = parseIptablesSave(KUBE).ruleset;
  const rendered = printRulesetRestore(ours);
  inNs(['iptables-restore'], rendered);
  const saved = inNs(['iptables-save']);
  const theirs = parseIptablesSave(saved).ruleset;
  t.is(printIptablesSave(theirs), printIptablesSave(ours));
  t.is(saved.split('\n').filter((l) => !l.startsWith('#')).join('\n'), printIptablesSave(ours));
});

realTest('the kube-proxy text itself (with -I lines) is accepted as written', (t) => {
  inNs(['iptables-restore'], KUBE);
  const saved = inNs(['iptables-save']);
  t.is(printIptablesSave(parseIptablesSave(saved).ruleset), printIptablesSave(parseIptablesSave(KUBE).ruleset));
});

const PARTIAL_HEAD =
  '*nat\n:KUBE-SVC-NUKIZ6OKUXPJNT4C - [0:0]\n:KUBE-EXT-NUKIZ6OKUXPJNT4C - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-FW-NUKIZ6OKUXPJNT4C - [0:0]\n:KUBE-SERVICES - [0:0]\n' +
  '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O\n' +
  '-X KUBE-FW-NUKIZ6OKUXPJNT4C\n-X KUBE-EXT-NUKIZ6OKUXPJNT4C\n-X KUBE-SVC-NUKIZ6OKUXPJNT4C\n';

realTest('a --noflush partial sync that deletes chains gives the same result in both', (t) => {
  inNs(['iptables-restore'], KUBE);
  const partial = `${PARTIAL_HEAD}COMMIT\n`;
  inNs(['iptables-restore', '--noflush'], partial);
  const saved = inNs(['iptables-save']);
  const model = restore(parseIptablesSave(KUBE).ruleset, partial, { noflush: true });
  t.is(printIptablesSave(parseIptablesSave(saved).ruleset), printIptablesSave(model));
});

realTest('deleting a chain that is still referenced fails in both, on the same line', (t) => {
  inNs(['iptables-restore'], KUBE);
  // KUBE-SEP-I77PXRDZVX7PMWMN is still the target of KUBE-SVC-XPGD46QRK7WJZT7O rule 2.
  const bad = `${PARTIAL_HEAD}-X KUBE-SEP-I77PXRDZVX7PMWMN\nCOMMIT\n`;
  const real = spawnSync('ip', ['netns', 'exec', NS, 'iptables-restore', '--noflush'], { input: bad, encoding: 'utf8' });
  t.not(real.status, 0);
  t.regex(real.stderr, /line 11: CHAIN_DEL failed/);
  t.throws(() => restore(parseIptablesSave(KUBE).ruleset, bad, { noflush: true }), { message: /^line 11: cannot delete chain KUBE-SEP-I77PXRDZVX7PMWMN/ });
});
