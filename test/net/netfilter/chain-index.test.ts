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
