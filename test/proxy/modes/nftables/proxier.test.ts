import test from 'ava';
import { parseNftRuleset, parseRule, printNftTable, ruleText } from '../../../../src/net/index.js';
import { NftablesProxier, hashAndTruncate } from '../../../../src/proxy/index.js';
import { overallServices, overallSlices } from '../../fixtures/overall-services.js';
import { fakeProxierConfig } from '../../helpers.js';

function synced() {
  // kube-proxy's real mark text (%#08x), not the iptables unit-test fake's "0x4000".
  const { masqueradeMarkText: _fake, ...cfg } = fakeProxierConfig();
  const p = new NftablesProxier(cfg);
  for (const s of overallServices()) p.onServiceAdd(s);
  for (const e of overallSlices()) p.onEndpointSliceAdd(e);
  return p.sync();
}

test('chain names: base32(sha256(name))[:8] + name, as kube-proxy hashAndTruncate (hashes checked in the reference)', (t) => {
  t.is(hashAndTruncate('ns1/svc1/tcp/p80'), 'ULMVA6XW-ns1/svc1/tcp/p80');
  t.is(hashAndTruncate('ns1/svc1/tcp/p80__10.180.0.1/80'), '5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
  t.is(hashAndTruncate('ns2/svc2/tcp/p80'), '42NFTM6N-ns2/svc2/tcp/p80');
  // Real names never reach the limit (63+63+63 characters); a longer one is cut to 240 with "...".
  const long = hashAndTruncate(`${'n'.repeat(250)}/svc/tcp/p80`);
  t.is(long.length, 240);
  t.true(long.endsWith('...'));
});

test('TestOverallIPTablesRules services in nftables mode: dispatch maps, no-endpoint verdicts, per-service chains', (t) => {
  const text = synced().restore;
  t.true(text.startsWith('table ip kube-proxy {\n\tcomment "rules for kube-proxy"\n'));
  t.regex(text, /172\.30\.0\.41 \. tcp \. 80 : goto service-ULMVA6XW-ns1\/svc1\/tcp\/p80/);
  // svc2 has eTP Local and no local endpoint: external addresses drop, the NodePort too.
  t.regex(text, /1\.2\.3\.4 \. tcp \. 80 comment "ns2\/svc2:p80" : drop/);
  t.regex(text, /tcp \. 3001 comment "ns2\/svc2:p80" : drop/);
  // svc6 has no endpoints at all: reject.
  t.regex(text, /172\.30\.0\.46 \. tcp \. 80 comment "ns6\/svc6:p80" : goto reject-chain/);
  t.regex(text, /\tchain service-ULMVA6XW-ns1\/svc1\/tcp\/p80 \{\n\t\tip daddr 172\.30\.0\.41 tcp dport 80 ip saddr != 10\.0\.0\.0\/8 jump mark-for-masquerade\n\t\tnumgen random mod 1 vmap \{ 0 : goto endpoint-5OJB2KTY-ns1\/svc1\/tcp\/p80__10\.180\.0\.1\/80 \}\n\t\}/);
  t.regex(text, /\tchain endpoint-5OJB2KTY-ns1\/svc1\/tcp\/p80__10\.180\.0\.1\/80 \{\n\t\tip saddr 10\.180\.0\.1 jump mark-for-masquerade\n\t\tmeta l4proto tcp dnat to 10\.180\.0\.1:80\n\t\}/);
  // svc5: source ranges and affinity.
  t.regex(text, /\tchain firewall-[A-Z2-7]{8}-ns5\/svc5\/tcp\/p80 \{\n\t\tip saddr != 203\.0\.113\.0\/25 drop\n/);
  t.regex(text, /\tset affinity-[A-Z2-7]{8}-ns5\/svc5\/tcp\/p80__10\.180\.0\.3\/80 \{\n\t\ttype ipv4_addr\n\t\tsize 65535\n\t\tflags dynamic,timeout\n\t\ttimeout 3h\n\t\}/);
  t.regex(text, /\tchain masquerading \{\n\t\tmeta mark & 0x00004000 == 0x00000000 return\n\t\tmeta mark set meta mark \^ 0x00004000\n\t\tmasquerade fully-random\n\t\}/);
});

test('parse(print(table)) gives the same table text (a real node\'s `nft list ruleset` loads the same way)', (t) => {
  const r = synced();
  const back = parseNftRuleset(r.restore);
  t.is(back.length, 1);
  t.is(printNftTable(back[0]!), r.restore);
});

test('every rendered rule is already in `nft list` form: parsing and reprinting it gives the same text (rules are kept as written and parsed only when a packet reaches them)', (t) => {
  const fake = fakeProxierConfig();
  for (const cfg of [fake, { ...fake, masqueradeAll: true }]) {
    const p = new NftablesProxier(cfg);
    for (const s of overallServices()) p.onServiceAdd(s);
    for (const e of overallSlices()) p.onEndpointSliceAdd(e);
    let rules = 0;
    for (const c of p.sync().table.chains.values()) {
      for (const r of c.rules) {
        const { exprs, comment } = parseRule(r.text);
        t.is(ruleText(exprs, comment), r.text, `chain ${c.name}`);
        t.deepEqual(r.exprs, exprs, `chain ${c.name}: ${r.text}`);
        rules++;
      }
    }
    t.true(rules > 40);
  }
  // A mark written as "0x4000" is printed as nft does.
  t.regex(new NftablesProxier(fake).sync().restore, /meta mark set meta mark \| 0x00004000/);
});
