import test from 'ava';
import fc from 'fast-check';
import { NEW_CT } from '../../../src/net/hooks.js';
import { parseRuleFast } from '../../../src/net/netfilter/fast-rule.js';
import { FlatRule } from '../../../src/net/netfilter/flat-rule.js';
import { ruleKeys } from '../../../src/net/netfilter/chain-index.js';
import { type EvalCtx, NfState, parseRule, ruleSaveArgs, splitArgs } from '../../../src/net/netfilter/index.js';
import { kubeProxyRulesetText } from '../../../src/net/netfilter/bench.js';
import { newIntern } from '../../../src/net/netfilter/rule-parse.js';
import { Ipsets } from '../../../src/net/netfilter/index.js';
import type { Rule } from '../../../src/net/netfilter/index.js';
import { fakeHost, skb } from './helpers.js';

/**
 * The restore fast path must be invisible: for every line it accepts, the general parser
 * accepts it too and builds a rule that prints, indexes and matches the same; whatever the
 * general parser rejects, the fast path leaves to it (so errors keep their messages).
 */
function general(line: string): Rule | string {
  try {
    return parseRule((splitArgs(line) ?? []).slice(2), { table: 'nat', chain: 'KUBE-X', lineNo: 1 }, line);
  } catch (e) {
    return e instanceof Error ? e.message : 'error';
  }
}

const PACKETS = [
  skb('10.0.0.5', '172.30.0.1', 80),
  skb('10.180.0.1', '172.30.0.1', 80, { sport: 80 }),
  skb('192.168.1.1', '10.0.0.1', 8080, { proto: 'udp' }),
  skb('10.1.2.3', '1.2.3.4', 53, { proto: 'udp', mark: 0x4000 }),
  skb('10.1.2.3', '1.2.3.4', 0, { proto: 'icmp', mark: 0x4001 }),
];

function describe(r: Rule): unknown {
  const host = fakeHost();
  return {
    save: ruleSaveArgs(r),
    spec: r.spec,
    text: r.text,
    keys: ruleKeys(r),
    matches: r.matches.map((m) => ({ module: m.module, implicit: m.implicit, save: m.saveArgs, probability: m.probability?.toString(), literal: m.probabilityText })),
    target: r.target === undefined ? undefined : { name: r.target.name, goto: r.target.goto, chain: r.target.chain, save: r.target.saveArgs },
    evals: PACKETS.map((s) => {
      const ctx: EvalCtx = { hook: 'PREROUTING', table: 'nat', host, ipsets: Ipsets.EMPTY, nowMs: 0, skb: { ...s, ct: NEW_CT }, state: NfState.EMPTY, natType: undefined, note: undefined };
      const ok = r.matches.every((m) => m.probability !== undefined || m.evaluate(ctx));
      // The walker tests flat rules from their fields: that must agree with their matches.
      if (r instanceof FlatRule && (r.test(ctx, 0) && r.test(ctx, 1)) !== ok) throw new Error(`FlatRule.test disagrees with its matches: ${r.text}`);
      const verdict = ok ? r.target?.apply(ctx) : undefined;
      return [ok, verdict, ctx.skb.packet.dst, ctx.skb.packet.dport];
    }),
  };
}

function check(t: import('ava').ExecutionContext, line: string): boolean {
  const fast = parseRuleFast(line, 0, line.indexOf(' ', 3), line.length, line, 1, 'nat', newIntern());
  if (fast === undefined) return false;
  const g = general(line);
  if (typeof g === 'string') t.fail(`fast path accepted a line the general parser rejects (${g}): ${line}`);
  else t.deepEqual(describe(fast), describe(g), line);
  // Restore reads the line in place inside the whole input (quotes and all): same rule.
  const pre = '*nat\n-A X -m comment --comment "a b"\n';
  const doc = `${pre}${line}\n-A Y -m comment --comment "c" -j DROP\nCOMMIT\n`;
  const inPlace = parseRuleFast(doc, pre.length, pre.length + line.indexOf(' ', 3), pre.length + line.length, line, 1, 'nat', newIntern(), doc.includes('\\'));
  if (inPlace === undefined) t.fail(`fast path refused the line inside a text: ${line}`);
  else t.deepEqual(describe(inPlace), describe(fast), `in place: ${line}`);
  return true;
}

test('every rule of a kube-proxy-shaped ruleset parses identically on the fast path', (t) => {
  const lines = kubeProxyRulesetText(20, 3).split('\n').filter((l) => l.startsWith('-A KUBE-'));
  let fast = 0;
  for (const l of lines) {
    check(t, l);
    if (parseRuleFast(l, 0, l.indexOf(' ', 3), l.length, l, 1, 'nat', newIntern()) !== undefined) fast++;
  }
  // Only MARK, MASQUERADE and the addrtype rule take the general path.
  t.is(fast, lines.length - 4);
});

const FRAGMENTS = [
  '-m comment --comment "ns1/svc1:p80 cluster IP"', '-m comment --comment x', '-m comment --comment ""', '-m comment', '-m tcp', '-m udp', '-m sctp',
  '-p tcp', '-p udp', '-p all', '-p icmp', '-p TCP', '! -p tcp', '-d 172.30.0.1', '! -d 10.0.0.0/8', '-s 10.180.0.1/32', '! -s 010.0.0.1', '-s 10.0.0.0/33',
  '-d 1.2.3.4/255.0.0.0', '--dport 80', '--sport 8080', '--dport 1:2', '--dport 99999', '! --dport 80', '-m statistic --mode random --probability 0.3333333333',
  '-m statistic --mode random --probability 1.5', '-m statistic --mode nth --every 2 --packet 0', '-m mark ! --mark 0x4000/0x4000', '-m mark --mark 7',
  '-m mark --mark 0x1/', '!', '-j KUBE-SEP-ABC', '-g KUBE-SEP-ABC', '-j DNAT --to-destination 10.180.0.3:8080', '-j DNAT --to-destination 10.180.0.3',
  '-j DNAT --to-destination 010.1.1.1:80', '-j DNAT --to-destination 10.1.1.1:80 --random', '-j RETURN', '-j ACCEPT', '-j DROP', '-j MASQUERADE',
  '-j KUBE-MARK-MASQ', '"', '-m addrtype --dst-type LOCAL', '-j DROP extra', '-j KUBE-A-NAME-THAT-IS-LONGER-THAN-28', '\t', '-m comment --comment "a\\"b"',
];

test('random kube-proxy-like lines: the fast path accepts only what the general parser builds the same', (t) => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 0, maxLength: 5 }), fc.constantFrom(...FRAGMENTS.filter((f) => f.startsWith('-j'))), (parts, target) => {
      if (check(t, `-A KUBE-X ${[...parts, target].join(' ')}`)) accepted++;
    }),
    { numRuns: 4000 },
  );
  t.log(`fast path took ${accepted} of 4000 lines`);
  t.true(accepted > 250);
});
