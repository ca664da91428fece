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
