import test from 'ava';
import { Cidr4, parseIp4 } from '../../src/addr/index.js';
import { PrefixTable } from '../../src/net/prefix-table.js';

test('longest prefix wins; a prefix length leaves with its last route', (t) => {
  const p = new PrefixTable<string>();
  p.set(Cidr4.parse('0.0.0.0/0'), 'default');
  p.set(Cidr4.parse('10.244.1.0/24'), 'pods');
  p.set(Cidr4.parse('10.244.1.7/32'), 'host');
  t.deepEqual(p.presentLengths(), [32, 24, 0]);
  t.is(p.lookup(parseIp4('10.244.1.7')), 'host');
  t.is(p.lookup(parseIp4('10.244.1.8')), 'pods');
  t.is(p.lookup(parseIp4('8.8.8.8')), 'default');
  const held = p.presentLengths();
  t.true(p.delete(Cidr4.parse('10.244.1.0/24')));
  t.deepEqual(p.presentLengths(), [32, 0], 'no empty /24 map is kept');
  t.deepEqual(held, [32, 24, 0], 'a reader holding the old list keeps it');
  t.is(p.lookup(parseIp4('10.244.1.8')), 'default');
  t.false(p.delete(Cidr4.parse('10.244.1.0/24')), 'deleting again finds nothing');
  t.is(p.size, 2);
  p.set(Cidr4.parse('10.244.1.0/24'), 'pods again');
  t.is(p.lookup(parseIp4('10.244.1.8')), 'pods again');
});

test('a table growing past the small size and shrinking back answers the same longest-prefix match throughout', (t) => {
  const p = new PrefixTable<string>();
  p.set(Cidr4.parse('0.0.0.0/0'), 'default');
  p.set(Cidr4.parse('192.168.0.0/16'), 'wide');
  // Twelve /24s: past the flat form's limit (8), so lookups go through the per-length maps.
  for (let i = 0; i < 12; i++) p.set(Cidr4.parse(`192.168.${i}.0/24`), `net${i}`);
  t.is(p.lookup(parseIp4('192.168.11.9')), 'net11');
  t.is(p.getAt(24, parseIp4('192.168.3.200')), 'net3');
  t.is(p.lookup(parseIp4('192.168.200.1')), 'wide');
  for (let i = 0; i < 12; i++) if (i !== 3) p.delete(Cidr4.parse(`192.168.${i}.0/24`));
  t.is(p.size, 3);
  t.is(p.lookup(parseIp4('192.168.3.200')), 'net3', 'back under the limit, the /24 still wins over the /16');
  t.is(p.getAt(24, parseIp4('192.168.3.1')), 'net3');
  t.is(p.getAt(16, parseIp4('192.168.3.1')), 'wide');
  t.is(p.getAt(24, parseIp4('192.168.4.1')), undefined, 'a deleted /24 is gone');
  t.is(p.lookup(parseIp4('192.168.4.1')), 'wide');
  t.is(p.lookup(parseIp4('200.1.2.3')), 'default', 'an address from 128.0.0.0 up (negative as int32) still matches /0');
  p.set(Cidr4.parse('200.1.2.3/32'), 'host');
  t.is(p.lookup(parseIp4('200.1.2.3')), 'host');
});
