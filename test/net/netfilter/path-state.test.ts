import test from 'ava';
import { PathStateLayer } from '../../../src/net/netfilter/path-state.js';

test('a key set again on top replaces its value and keeps its place in the order; other keys stay readable', (t) => {
  let s = PathStateLayer.with(new Map([['ipvs/a', 1]]), 'netfilter/a', 'ct1');
  s = PathStateLayer.with(s, 'netfilter/a', 'ct2');
  s = PathStateLayer.with(s, 'netfilter/a', 'ct3');
  t.is(s.get('netfilter/a'), 'ct3');
  t.is(s.get('ipvs/a'), 1);
  t.deepEqual([...s.entries()], [['ipvs/a', 1], ['netfilter/a', 'ct3']]);
  // A key set below the top keeps its first place when set again later.
  s = PathStateLayer.with(s, 'ipvs/a', 2);
  s = PathStateLayer.with(s, 'netfilter/a', 'ct4');
  t.deepEqual([...s.entries()], [['ipvs/a', 2], ['netfilter/a', 'ct4']]);
  t.is(s.size, 2);
});

test('many updates of one key never fold: the state stays readable and ordered past the layer limit', (t) => {
  let s = PathStateLayer.with(undefined, 'a', 0);
  for (let i = 1; i <= 20; i++) s = PathStateLayer.with(s, i % 2 === 0 ? 'a' : 'b', i);
  t.is(s.get('a'), 20);
  t.is(s.get('b'), 19);
  t.deepEqual([...s.keys()], ['a', 'b']);
});
