import test from 'ava';
import { ip4 } from '../../../src/addr/index.js';
import { ConntrackTable, type CtEntry, invertTuple } from '../../../src/net/netfilter/index.js';

const orig = { proto: 'tcp', src: ip4(0x0a000002), sport: 40000, dst: ip4(0xac1e0001), dport: 80 } as const;
const entry = (id: number, over: Partial<CtEntry> = {}): CtEntry => ({ id, orig, reply: invertTuple(orig), confirmed: false, seenReply: false, dstNatDone: false, srcNatDone: false, mark: 0, ...over });

test('putting newer versions of an entry keeps only the newest, findable by both tuples once confirmed', (t) => {
  const dnatReply = { proto: 'tcp', src: ip4(0x0ab40001), sport: 8080, dst: orig.src, dport: orig.sport } as const;
  let ct = ConntrackTable.EMPTY.put(entry(7, { confirmed: true, orig: { ...orig, sport: 1 }, reply: invertTuple({ ...orig, sport: 1 }) }));
  ct = ct.put(entry(8));
  t.is(ct.lookup(orig), undefined, 'unconfirmed entries are not found');
  ct = ct.put(entry(8, { reply: dnatReply, dstNatDone: true }));
  ct = ct.put(entry(8, { reply: dnatReply, dstNatDone: true, confirmed: true }));
  t.deepEqual(
    ct.entries().map((e) => [e.id, e.confirmed, e.dstNatDone]),
    [
      [7, true, false],
      [8, true, true],
    ],
  );
  t.is(ct.lookup(orig)?.entry.id, 8);
  t.deepEqual(ct.lookup(dnatReply), { entry: ct.get(8), reply: true });
  t.is(ct.lookup(invertTuple(orig)), undefined, 'the pre-NAT reply tuple no longer belongs to the connection');
  t.is(ct.lookup({ ...orig, sport: 1 })?.entry.id, 7);
});
