import test from 'ava';
import { Cidr4, parseIp4 } from '../../src/addr/index.js';
import { RouteTable, SharedRoutes } from '../../src/net/route-table.js';
import type { Route } from '../../src/net/route.js';

function podRoute(cidr: string, gw: string): Route {
  return { dst: Cidr4.parse(cidr), type: 'unicast', gateway: parseIp4(gw), dev: 'eth0', proto: 'boot', scope: 'global' };
}

test('a table sees every shared route but its own, and the same-shaped tables share their merged prefix lengths', (t) => {
  const shared = new SharedRoutes();
  shared.set('node-a', podRoute('10.244.1.0/24', '192.168.0.1'));
  shared.set('node-b', podRoute('10.244.2.0/24', '192.168.0.2'));
  const a = new RouteTable('main', { routes: shared, self: 'node-a' });
  const b = new RouteTable('main', { routes: shared, self: 'node-b' });
  for (const table of [a, b]) table.add({ dst: Cidr4.parse('0.0.0.0/0'), type: 'unicast', gateway: parseIp4('192.168.0.254'), dev: 'eth0', proto: 'static', scope: 'global' });
  t.is(a.lookup(parseIp4('10.244.1.5'))?.dst.toString(), '0.0.0.0/0');
  t.is(a.lookup(parseIp4('10.244.2.5'))?.dst.toString(), '10.244.2.0/24');
  t.is(b.lookup(parseIp4('10.244.1.5'))?.dst.toString(), '10.244.1.0/24');
  t.is(b.get(Cidr4.parse('10.244.2.0/24')), undefined);
  t.deepEqual([...a.routes()].map((r) => r.dst.toString()), ['0.0.0.0/0', '10.244.2.0/24']);
  t.deepEqual([...b.routes()].map((r) => r.dst.toString()), ['0.0.0.0/0', '10.244.1.0/24']);
  t.is(shared.ownerId('node-a'), shared.ownerId('node-a'));
  t.not(shared.ownerId('node-a'), shared.ownerId('node-b'));
});
