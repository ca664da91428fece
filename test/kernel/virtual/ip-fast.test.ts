import test from 'ava';
import { Cidr4, parseIfAddr, parseIp4 } from '../../../src/addr/index.js';
import { canonicalCidr4, canonicalIfAddr, canonicalIp4 } from '../../../src/kernel/virtual/ip-fast.js';

const ok = ['0.0.0.0', '10.99.0.2', '255.255.255.255', '192.168.1.10', '1.2.3.4'];
const odd = ['010.1.1.1', '1.2.3', '1.2.3.4.5', '256.1.1.1', ' 1.2.3.4', '1.2.3.4 ', '1..2.3', '', 'a.b.c.d', '1.2.3.1000', '::1'];

test('canonical IPv4 text reads to the value src/addr gives; anything else is left to src/addr', (t) => {
  for (const s of ok) t.is(canonicalIp4(s), parseIp4(s), s);
  for (const s of odd) t.is(canonicalIp4(s), undefined, s);
});

test('canonical address/prefix and CIDR text read as parseIfAddr and Cidr4.parse do; host bits, 3-digit or >32 prefixes are left to them', (t) => {
  t.deepEqual(canonicalIfAddr('10.99.0.2/16'), parseIfAddr('10.99.0.2/16'));
  t.deepEqual(canonicalIfAddr('10.99.0.2/08'), parseIfAddr('10.99.0.2/08'));
  t.true(canonicalCidr4('10.99.0.0/16')?.equals(Cidr4.parse('10.99.0.0/16')));
  t.true(canonicalCidr4('0.0.0.0/0')?.equals(Cidr4.parse('0.0.0.0/0')));
  for (const s of ['10.99.0.2/16', '10.0.0.0/33', '10.0.0.0/008', '10.0.0.0/', '10.0.0.0']) t.is(canonicalCidr4(s), undefined, s);
  t.is(canonicalIfAddr('10.0.0.1/33'), undefined);
});
