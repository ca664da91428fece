import test from 'ava';
import { macFromName } from '../../src/addr/index.js';
import { type Link, Network } from '../../src/net/index.js';

function dummy(name: string, ifindex: number): Link {
  return { kind: 'dummy', name, ifindex, mac: macFromName(`n/${name}`), mtu: 1500, up: true, addrs: [], master: undefined, hairpin: false };
}

test("a namespace's link answers follow every write to its links table, whoever makes it", (t) => {
  const ns = new Network().addNetns('n', { kind: 'external', name: 'n' });
  const d0 = dummy('d0', ns.allocIfindex());
  ns.addLink(d0);
  t.is(ns.link('d0'), d0, 'the link added last');
  t.is(ns.link('lo')?.name, 'lo');
  t.is(ns.link('d1'), undefined, 'a name nothing holds');
  // Written directly, as the kernel driver replaces a link on a MAC change: the cached answers change with it.
  const d1 = dummy('d1', ns.allocIfindex());
  ns.links.set('d1', d1);
  t.is(ns.link('d1'), d1, 'a name answered as missing before');
  const d0b = { ...d0, mac: macFromName('n/d0b') };
  ns.links.set('d0', d0b);
  t.is(ns.link('d0'), d0b, 'the replacing object');
  t.is(ns.link('d1'), d1);
  ns.links.delete('d1');
  t.is(ns.link('d1'), undefined, 'a deleted link');
  t.is(ns.link('d0'), d0b);
  t.is(ns.link('lo')?.name, 'lo');
  ns.links.clear();
  for (const n of ['lo', 'd0', 'd1']) t.is(ns.link(n), undefined, `${n} after clear`);
  ns.addLink(d1);
  t.is(ns.link('d1'), d1);
  t.is(ns.removeLink('d1'), d1);
  t.is(ns.link('d1'), undefined, 'removed');
});

test('link() answers as the links Map does through any mix of asks and writes', (t) => {
  const ns = new Network().addNetns('n', { kind: 'external', name: 'n' });
  const names = ['lo', 'd0', 'd1', 'd2', 'd3', 'd4'];
  let seed = 3;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let step = 0; step < 3000; step++) {
    const name = names[rnd(names.length)] ?? 'lo';
    const op = rnd(10);
    if (op === 0) ns.links.delete(name);
    else if (op === 1) ns.links.set(name, dummy(name, step));
    t.is(ns.link(name), ns.links.get(name), `step ${step}: ${name}`);
  }
});
