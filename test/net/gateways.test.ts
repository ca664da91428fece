import test from 'ava';
import { parseIp4 } from '../../src/addr/index.js';
import { Gateways } from '../../src/net/gateways.js';

test('a gateway is found by segment and address, and forgotten when deleted', (t) => {
  const g = new Gateways();
  const gw = parseIp4('192.168.50.1');
  g.add('node-network', gw);
  t.true(g.has('node-network', gw));
  t.false(g.has('node-network', parseIp4('192.168.50.2')));
  t.false(g.has('uplink', gw), 'the same address on another segment is not a gateway');
  g.add('uplink', gw);
  t.true(g.has('uplink', gw));
  t.true(g.delete('node-network', gw));
  t.false(g.has('node-network', gw));
  t.false(g.delete('node-network', gw), 'already gone');
  t.true(g.has('uplink', gw));
});
