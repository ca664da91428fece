import test from 'ava';
import fc from 'fast-check';
import { Netfilter } from '../../../src/net/netfilter/index.js';
import { fakeHost, skb } from './helpers.js';

const host = fakeHost(['10.0.0.1']);
// One address above 2^31: the index keys addresses as signed 32-bit integers.
const DSTS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '172.30.0.1'];
const PORTS = [53, 80, 443];

/** A random rule over a small address/port space, so that keyed and unkeyed rules collide often. */
const ruleArb = fc.record({
  dst: fc.option(fc.constantFrom(...DSTS, '10.0.0.0/30'), { nil: undefined }),
  negDst: fc.boolean(),
  proto: fc.option(fc.constantFrom('tcp', 'udp'), { nil: undefined }),
  dport: fc.option(fc.constantFrom(...PORTS.map(String), '50:90'), { nil: undefined }),
  negPort: fc.boolean(),
  mark: fc.boolean(),
  target: fc.constantFrom('ACCEPT', 'DROP', 'REJECT', 'MARK --or-mark 0x1', 'RETURN'),
});

type RuleSpec = typeof ruleArb extends fc.Arbitrary<infer T> ? T : never;

function ruleText(r: RuleSpec, i: number): string {
  const parts = ['-A INPUT'];
  if (r.dst !== undefined) parts.push(...(r.negDst ? ['!'] : []), '-d', r.dst);
  if (r.proto !== undefined) {
    parts.push('-p', r.proto);
    if (r.dport !== undefined) parts.push('-m', r.proto, ...(r.negPort ? ['!'] : []), '--dport', r.dport);
  }
  if (r.mark) parts.push('-m', 'mark', '--mark', '0x1');
  parts.push('-m', 'comment', '--comment', `r${i}`, '-j', ...r.target.split(' '));
  return parts.join(' ');
}

test('indexed evaluation gives exactly the linear scan result on random chains', (t) => {
  fc.assert(
    fc.property(fc.array(ruleArb, { minLength: 16, maxLength: 60 }), fc.array(fc.tuple(fc.constantFrom(...DSTS, '10.0.0.9'), fc.constantFrom('tcp', 'udp'), fc.constantFrom(...PORTS, 60, 1)), { minLength: 1, maxLength: 8 }), (rules, packets) => {
      const nf = new Netfilter('kw-idx');
      nf.iptablesRestore(`*filter\n${rules.map(ruleText).join('\n')}\nCOMMIT\n`);
      for (const [dst, proto, dport] of packets) {
        const s = skb('192.0.2.1', dst, dport, { proto: proto as 'tcp' | 'udp' });
        const a = nf.runTable('filter', 'INPUT', s, host);
        const b = nf.runTable('filter', 'INPUT', s, host, { linear: true });
        const view = (bs: typeof a): unknown => bs.map((x) => [x.verdict, x.skb.mark, x.hops.map((h) => h.rule ?? h.detail)]);
        t.deepEqual(view(a), view(b));
      }
    }),
    { numRuns: 200, seed: 42 },
  );
});

/**
 * userspace mode's portal shape (`-p P -m P --dport N -d ip/32`, not a FlatRule): found by its keys, its matches are
 * not tested again (IndexHints.exact). A source port or interface on such a rule must still be tested.
 */
const portalArb = fc.record({
  dst: fc.constantFrom(...DSTS),
  proto: fc.constantFrom('tcp', 'udp'),
  dport: fc.constantFrom(...PORTS),
  sport: fc.option(fc.constantFrom('40000', '1000:2000'), { nil: undefined }),
  inIf: fc.option(fc.constantFrom('eth0', 'eth1'), { nil: undefined }),
  target: fc.constantFrom('ACCEPT', 'DROP', 'MARK --or-mark 0x1'),
});

test('indexed rules keyed by exactly their matches still give the linear scan result', (t) => {
  fc.assert(
    fc.property(
      fc.array(portalArb, { minLength: 16, maxLength: 40 }),
      fc.array(fc.tuple(fc.constantFrom(...DSTS, '10.0.0.9'), fc.constantFrom('tcp', 'udp'), fc.constantFrom(...PORTS, 1), fc.constantFrom(40000, 1500, 3000), fc.constantFrom('eth0', 'eth1')), { minLength: 1, maxLength: 8 }),
      (rules, packets) => {
        const text = rules.map((r, i) => {
          const parts = ['-A INPUT', '-m', 'comment', '--comment', `p${i}`, '-p', r.proto, '-m', r.proto, '--dport', String(r.dport)];
          if (r.sport !== undefined) parts.push('--sport', r.sport);
          parts.push('-d', `${r.dst}/32`);
          if (r.inIf !== undefined) parts.push('-i', r.inIf);
          parts.push('-j', ...r.target.split(' '));
          return parts.join(' ');
        });
        const nf = new Netfilter('kw-idx-portal');
        nf.iptablesRestore(`*filter\n${text.join('\n')}\nCOMMIT\n`);
        for (const [dst, proto, dport, sport, inDev] of packets) {
          const s = skb('192.0.2.1', dst, dport, { proto: proto as 'tcp' | 'udp', sport, inDev });
          const a = nf.runTable('filter', 'INPUT', s, host);
          const b = nf.runTable('filter', 'INPUT', s, host, { linear: true });
          const view = (bs: typeof a): unknown => bs.map((x) => [x.verdict, x.skb.mark, x.hops.map((h) => h.rule ?? h.detail)]);
          t.deepEqual(view(a), view(b));
        }
      },
    ),
    { numRuns: 200, seed: 7 },
  );
});
