import test from 'ava';
import { LocalAddrIndex } from '../../src/net/local-addrs.js';

test('LocalAddrIndex finds the device of every address (signed keys, 0, colliding slots) and no other address', (t) => {
  const m = new Map<number, string>();
  for (let i = 0; i < 5000; i++) m.set((0xac1e0001 + i) | 0, 'kube-ipvs0');
  m.set(0x0a000001, 'eth0');
  m.set(0, 'lo');
  const idx = new LocalAddrIndex(m);
  let wrong = 0;
  for (const [k, dev] of m) if (idx.get(k) !== dev) wrong++;
  for (let i = 5000; i < 100000; i++) if (idx.get((0xac1e0001 + i) | 0) !== undefined || idx.get(0x0ab40000 + i) !== undefined) wrong++;
  t.is(wrong, 0);
  t.is(new LocalAddrIndex(new Map()).get(0), undefined);
});
