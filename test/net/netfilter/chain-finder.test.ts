import test from 'ava';
import { ChainFinder } from '../../../src/net/netfilter/chain-finder.js';

interface C {
  readonly name: string;
}

test('finds chains by a stretch of the input text, whatever order they are named in, and only chains the Map has', (t) => {
  const chains = new Map<string, C>();
  const finder = new ChainFinder(chains);
  const names = Array.from({ length: 50 }, (_, i) => `KUBE-SEP-${String(i).padStart(16, 'Z')}`);
  for (const n of names) {
    const c = { name: n };
    chains.set(n, c);
    finder.declared(c);
  }
  const text = `-A X -j ${names.join(' -j ')} -j KUBE-NONE`;
  const at = (n: string): [number, number] => {
    const a = text.indexOf(` ${n}`) + 1;
    return [a, a + n.length];
  };
  // In declaration order, then shuffled, then repeated: always the Map's object.
  const order = [...names, ...[...names].reverse(), ...names.filter((_, i) => i % 7 === 3), names[0] ?? ''];
  for (const n of order) t.is(finder.find(text, ...at(n)), chains.get(n), n);
  t.is(finder.find(text, ...at('KUBE-NONE')), undefined);
  // A prefix of a name is not the name.
  const [a] = at(names[1] ?? '');
  t.is(finder.find(text, a, a + 12), undefined);
  // A chain deleted from the Map is no longer found once the finder is reset.
  chains.delete(names[5] ?? '');
  finder.reset();
  t.is(finder.find(text, ...at(names[5] ?? '')), undefined);
  t.is(finder.find(text, ...at(names[6] ?? '')), chains.get(names[6] ?? ''));
});

test('many chains named out of declaration order (past the Map lookups, through its own hash table): still exactly the Map', (t) => {
  const chains = new Map<string, C>();
  const finder = new ChainFinder(chains);
  const names = Array.from({ length: 3000 }, (_, i) => `KUBE-SVC-${String((i * 7919) % 100003).padStart(16, 'Q')}`);
  for (const n of names) {
    const c = { name: n };
    chains.set(n, c);
    finder.declared(c);
  }
  const text = ` ${names.join(' ')} KUBE-SVC-QQQQQQQQQQQQQQQX `;
  const at = (n: string): [number, number] => {
    const a = text.indexOf(` ${n} `) + 1;
    return [a, a + n.length];
  };
  // A stride through the declarations: neither recently found nor next in order, every time.
  let misses = 0;
  for (let k = 0; k < 3 * names.length; k++) {
    const n = names[(k * 1031) % names.length] ?? '';
    if (finder.find(text, ...at(n)) !== chains.get(n)) misses++;
  }
  t.is(misses, 0);
  t.is(finder.find(text, ...at('KUBE-SVC-QQQQQQQQQQQQQQQX')), undefined);
});
