import test from 'ava';
import { parseIp4 } from '../../src/addr/index.js';
import { GatewaySet } from '../../src/net/gateways.js';

test('a gateway is found by segment and address, and forgotten when deleted', (t) => {
  const g = new GatewaySet();
  const gw = parseIp4('192.168.50.1');
  g.add(`node-network/${gw}`);
  t.true(g.on('node-network', gw));
  t.false(g.on('node-network', parseIp4('192.168.50.2')));
  t.false(g.on('uplink', gw), 'the same address on another segment is not a gateway');
  g.add(`uplink/${gw}`);
  t.true(g.on('uplink', gw), 'an addition after a lookup is seen');
  g.delete(`node-network/${gw}`);
  t.false(g.on('node-network', gw));
  t.true(g.has(`uplink/${gw}`), 'still a Set of the texts');
});
