import test from 'ava';
import { parseIp4 } from '../../src/addr/index.js';
import { makePacket } from '../../src/packet/index.js';
import { elementKey, packetKey } from '../../src/net/nftables/numeric-key.js';
import { IntKeyMap } from '../../src/net/int-key-map.js';

test('IntKeyMap finds every key of a 10,000-service map (50-bit keys, colliding slots) and nothing else', (t) => {
  const sel = ['ip daddr', 'meta l4proto', 'th dport'] as const;
  const entries = new Map<number, string>();
  for (let i = 0; i < 10000; i++) {
    const k = elementKey(sel, [`172.30.${i >> 8}.${i & 255}`, i % 2 === 0 ? 'tcp' : 'udp', `${80 + (i % 7)}`]);
    if (k !== undefined) entries.set(k, `svc${i}`);
  }
  const m = new IntKeyMap(entries, entries.size);
  for (const [k, v] of entries) t.is(m.get(k), v);
  const p = makePacket({ src: parseIp4('10.0.0.2'), dst: parseIp4('172.30.0.3'), proto: 'udp', sport: 1, dport: 83 });
  t.is(m.get(packetKey(sel, p)), 'svc3');
  t.is(m.get(packetKey(sel, { ...p, proto: 'tcp' })), undefined);
  t.is(m.get(-1), undefined);
  t.is(new IntKeyMap([[0, 'zero']], 1).get(0), 'zero');
});

test('IntKeyMap.has answers from the keys alone, as get does', (t) => {
  const m = new IntKeyMap<true>(Array.from({ length: 3000 }, (_, i) => [(0xac1e0001 + i) * 524288 + 65536 + 80, true] as const), 3000);
  let wrong = 0;
  for (let i = 0; i < 6000; i++) if (m.has((0xac1e0001 + i) * 524288 + 65536 + 80) !== (i < 3000)) wrong++;
  t.is(wrong, 0);
  t.false(m.has(-1));
  t.true(new IntKeyMap([[0, true]], 1).has(0));
});
