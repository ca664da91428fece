import test from 'ava';
import { canonicalCidr4, canonicalIfAddr, Cidr4, ip4, parseIfAddr } from '../../src/addr/index.js';

test('canonical address/prefix text: the address and the prefix, worked out by hand, as parseIfAddr gives them', (t) => {
  t.deepEqual(canonicalIfAddr('10.99.0.2/16'), { ip: ip4(0x0a630002), prefix: 16 });
  t.deepEqual(canonicalIfAddr('10.99.0.2/08'), { ip: ip4(0x0a630002), prefix: 8 });
  t.deepEqual(canonicalIfAddr('0.0.0.0/0'), { ip: ip4(0), prefix: 0 });
  t.deepEqual(canonicalIfAddr('10.99.0.2/16'), parseIfAddr('10.99.0.2/16'));
  for (const s of ['10.0.0.1/33', '10.0.0.1/008', '10.0.0.1/', '10.0.0.1', '010.0.0.1/8', '10.0.0.1/8 ', '10.0.0.1/a']) t.is(canonicalIfAddr(s), undefined, s);
});

test('canonical CIDR text without host bits reads as Cidr4.parse does; host bits and anything else are left to it', (t) => {
  t.true(canonicalCidr4('10.99.0.0/16')?.equals(Cidr4.parse('10.99.0.0/16')));
  t.deepEqual([canonicalCidr4('10.99.0.0/16')?.network, canonicalCidr4('10.99.0.0/16')?.prefix], [ip4(0x0a630000), 16]);
  t.true(canonicalCidr4('0.0.0.0/0')?.equals(Cidr4.parse('0.0.0.0/0')));
  for (const s of ['10.99.0.2/16', '10.0.0.0/33', '10.0.0.0/008', '10.0.0.0/', '10.0.0.0']) t.is(canonicalCidr4(s), undefined, s);
});
