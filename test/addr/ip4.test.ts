import test from 'ava';
import { canonicalIp4, ip4, ip4ToString, parseIp4, tryParseIp4 } from '../../src/addr/index.js';

test('canonical dotted quads read by hand: values worked out by hand, and back to the same text', (t) => {
  const cases: [string, number][] = [['0.0.0.0', 0], ['10.99.0.2', 0x0a630002], ['255.255.255.255', 0xffffffff], ['192.168.1.10', 0xc0a8010a], ['172.16.0.11', 0xac10000b]];
  for (const [s, v] of cases) {
    t.is(canonicalIp4(s), ip4(v), s);
    t.is(ip4ToString(canonicalIp4(s) ?? 0), s);
  }
  t.is(canonicalIp4('x10.0.0.2/24', 1, 9), ip4(0x0a000002), 'a slice read in place');
});

test('parseIp4: surrounding blanks trimmed; octal-looking, short, long or out-of-range text refused, naming where', (t) => {
  t.is(parseIp4(' 10.0.0.1\n'), ip4(0x0a000001));
  for (const s of ['010.0.0.1', '10.0.0', '10.0.0.1.1', '256.1.1.1', '1.2.3.4/32', '0x1.2.3.4', '1e2.0.0.1', '']) {
    t.throws(() => parseIp4(s, 'spec.clusterIP'), { message: `spec.clusterIP: "${s}" is not a valid IPv4 address` }, s);
    t.is(tryParseIp4(s), undefined, s);
  }
});

test('anything but canonical text is left to the full parser', (t) => {
  for (const s of ['010.0.0.1', '10.0.0', '10.0.0.1.', '.10.0.0.1', '10..0.1', '256.0.0.1', '1.2.3.4/24', ' 1.2.3.4', '1.2.3.1000', '', '::1']) {
    t.is(canonicalIp4(s), undefined, s);
  }
});
