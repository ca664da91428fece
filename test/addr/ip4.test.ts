import test from 'ava';
import { canonicalIp4, ip4ToString, tryParseIp4 } from '../../src/addr/index.js';

test('canonical dotted quads read by hand give the same value as the full parser', (t) => {
  for (const s of ['0.0.0.0', '10.99.0.2', '255.255.255.255', '192.168.1.10', '172.16.0.11']) {
    t.is(canonicalIp4(s), tryParseIp4(s), s);
    t.is(ip4ToString(canonicalIp4(s) ?? 0), s);
  }
});

test('anything but canonical text is left to the full parser', (t) => {
  for (const s of ['010.0.0.1', '10.0.0', '10.0.0.1.', '.10.0.0.1', '10..0.1', '256.0.0.1', '1.2.3.4/24', ' 1.2.3.4', '1.2.3.1000', '', '::1']) {
    t.is(canonicalIp4(s), undefined, s);
  }
});
