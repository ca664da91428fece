import test from 'ava';
import { Cidr4, parseIp4 } from '../../src/addr/index.js';
import { RouteTable, SharedRoutes } from '../../src/net/route-table.js';
import type { Route } from '../../src/net/route.js';

function podRoute(cidr: string, gw: string): Route {
  return { dst: Cidr4.parse(cidr), type: 'unicast', gateway: parseIp4(gw), dev: 'eth0', proto: 'boot', scope: 'global' };
}

test('a table sees every shared route but its own', (t) => {
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

test('a lookup over shared routes is the longest match, own before shared at a length, skipping the own node', (t) => {
  // A reference: per length, longest first, the own route there, else a shared route not to this table's node.
  let seed = 11;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const shared = new SharedRoutes();
  const nodes = ['n0', 'n1', 'n2'];
  const tables = nodes.map((self) => new RouteTable('main', { routes: shared, self }));
  const own = nodes.map(() => new Map<string, Route>());
  const sharedRef = new Map<string, { owner: string; route: Route }>();
  const lens = [0, 8, 16, 24, 32];
  const cidrOf = (len: number): Cidr4 => Cidr4.parse(`${[10, 200][rnd(2)]}.${rnd(3)}.${rnd(4)}.${rnd(2)}/${len}`, undefined, { allowHostBits: true });
  for (let step = 0; step < 1500; step++) {
    const cidr = cidrOf(lens[rnd(lens.length)] ?? 0);
    const route = podRoute(cidr.toString(), `192.168.0.${step % 250}`);
    // Enough shared routes per length that each length's table grows past its first size.
    if (rnd(3) === 0) {
      const i = rnd(nodes.length);
      tables[i]?.add(route);
      own[i]?.set(cidr.toString(), route);
    } else {
      const owner = nodes[rnd(nodes.length)] ?? 'n0';
      shared.set(owner, route);
      sharedRef.set(cidr.toString(), { owner, route });
    }
    const ip = parseIp4(`${[10, 200, 9][rnd(3)]}.${rnd(3)}.${rnd(4)}.${rnd(4)}`);
    for (let i = 0; i < nodes.length; i++) {
      let want: Route | undefined;
      for (const len of [32, 24, 16, 8, 0]) {
        const key = Cidr4.parse(`${parseIp4Text(ip)}/${len}`, undefined, { allowHostBits: true }).toString();
        const s = sharedRef.get(key);
        want = own[i]?.get(key) ?? (s !== undefined && s.owner !== nodes[i] ? s.route : undefined);
        if (want !== undefined) break;
      }
      t.is(tables[i]?.lookup(ip), want);
    }
  }
});

function parseIp4Text(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}
