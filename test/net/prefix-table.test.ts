import test from 'ava';
import { Cidr4, ip4, parseIp4 } from '../../src/addr/index.js';
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

test('routes come and go in any order: lookups, lengths and entries match a map per length throughout', (t) => {
  // A reference model: one Map per prefix length (insertion order), longest length first.
  const ref = new Map<number, Map<number, number>>();
  const p = new PrefixTable<number>();
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const lens = [0, 8, 16, 24, 32];
  const sizes = new Set<number>();
  for (let step = 0; step < 3000; step++) {
    const len = lens[rnd(lens.length)] ?? 0;
    // Few networks per length, some from 128.0.0.0 up, so sets hit existing routes and tables cross the small size both ways.
    const cidr = Cidr4.parse(`${[10, 200][rnd(2)]}.${rnd(3)}.${rnd(3)}.0/${len}`, undefined, { allowHostBits: true });
    const m = ref.get(len) ?? new Map<number, number>();
    // Phases of mostly adding and mostly deleting, so the table crosses the small size (8) both ways many times.
    if (rnd(6) < (Math.floor(step / 300) % 2 === 0 ? 2 : 5)) {
      t.is(p.delete(cidr), m.delete(cidr.network));
      if (m.size === 0) ref.delete(len);
    } else {
      p.set(cidr, step);
      m.set(cidr.network, step);
      ref.set(len, m);
    }
    const order = [...ref.keys()].sort((a, b) => b - a);
    t.deepEqual(p.presentLengths(), order);
    const want = order.flatMap((l) => [...(ref.get(l) ?? [])].map(([net, v]) => `${new Cidr4(ip4(net), l).toString()}=${v}`));
    t.deepEqual([...p.entries()].map(([c, v]) => `${c.toString()}=${v}`), want);
    t.is(p.size, want.length);
    sizes.add(p.size);
    const ip = parseIp4(`${[10, 200, 9][rnd(3)]}.${rnd(3)}.${rnd(3)}.${rnd(256)}`);
    let hit: number | undefined;
    for (const l of order) {
      hit ??= ref.get(l)?.get(Cidr4.parse(`${ipText(ip)}/${l}`, undefined, { allowHostBits: true }).network);
    }
    t.is(p.lookup(ip), hit);
    t.is(p.getExact(cidr), ref.get(len)?.get(cidr.network));
    t.is(p.getAt(len, ip), ref.get(len)?.get(Cidr4.parse(`${ipText(ip)}/${len}`, undefined, { allowHostBits: true }).network));
  }
  t.true(sizes.has(1) && sizes.has(8) && sizes.has(9) && sizes.has(20), "the table crossed the small size both ways");
});

function ipText(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}
