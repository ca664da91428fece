import test from 'ava';
import { InternedLists } from '../../src/net/interned-lists.js';

test('equal lists (same objects, same order) come back as one array; others stay apart', (t) => {
  const lists = new InternedLists<{ readonly n: number }>();
  const a = { n: 1 };
  const b = { n: 2 };
  const first = [a, b];
  t.is(lists.intern(first), first);
  t.is(lists.intern([a, b]), first);
  const reversed = [b, a];
  t.is(lists.intern(reversed), reversed);
  const prefix = [a];
  t.is(lists.intern(prefix), prefix);
  // Equal by identity, not by value.
  const lookalike = [{ n: 1 }, b];
  t.is(lists.intern(lookalike), lookalike);
  const empty: { readonly n: number }[] = [];
  t.is(lists.intern(empty), empty);
  t.is(lists.intern([]), empty);
});
