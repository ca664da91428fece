import test from 'ava';
import fc from 'fast-check';
import { matchesSelector, parseSelector, selectorFromLabelSelector, selectorFromMap, selectorToString } from '../../src/api/index.js';
import { isKubewireError } from '../../src/lib/index.js';

const labels = { app: 'web', tier: 'front', version: '3' };

const cases: [string, boolean][] = [
  ['', true],
  ['app=web', true],
  ['app==web', true],
  ['app=db', false],
  ['app!=db', true],
  ['missing!=x', true], // an absent label satisfies !=
  ['app in (web,db)', true],
  ['app in (db)', false],
  ['app notin (db,cache)', true],
  ['missing notin (x)', true],
  ['app notin (web)', false],
  ['tier', true],
  ['missing', false],
  ['!missing', true],
  ['!app', false],
  ['version>2', true],
  ['version<3', false],
  ['app=web,tier=front', true],
  ['app=web,tier=back', false],
  ['  app = web , tier in ( front , back ) ', true],
  ['example.com/role', false],
];

for (const [sel, want] of cases) {
  test(`"${sel}" ${want ? 'matches' : 'does not match'} ${JSON.stringify(labels)}`, (t) => {
    t.is(matchesSelector(parseSelector(sel), labels), want);
  });
}

const bad = ['app in (a', '=web', 'app=web,', 'app notin', 'a b', 'in=x', 'bad key!=x', `k=${'v'.repeat(64)}`, 'x>abc'];
for (const sel of bad) {
  test(`"${sel}" is refused with KW_API_INVALID_SELECTOR`, (t) => {
    const e = t.throws(() => parseSelector(sel));
    t.true(isKubewireError(e) && e.code === 'KW_API_INVALID_SELECTOR', String(e));
  });
}

test('"app=" and "app in ()" mean the empty value, as the Go parser reads them', (t) => {
  for (const sel of ['app=', 'app in ()']) {
    t.true(matchesSelector(parseSelector(sel), { app: '' }), sel);
    t.false(matchesSelector(parseSelector(sel), { app: 'x' }), sel);
  }
});

test('canonical text sorts requirements by key and values within a set', (t) => {
  t.is(selectorToString(parseSelector('z=1,a in (c,b),!m,k')), 'a in (b,c),k,!m,z=1');
});

test('LabelSelector objects: matchLabels and every matchExpressions operator', (t) => {
  const sel = selectorFromLabelSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['front', 'edge'] },
      { key: 'env', operator: 'NotIn', values: ['prod'] },
      { key: 'version', operator: 'Exists' },
      { key: 'legacy', operator: 'DoesNotExist' },
    ],
  });
  t.true(matchesSelector(sel, labels));
  t.false(matchesSelector(sel, { ...labels, legacy: 'yes' }));
  t.false(matchesSelector(sel, { ...labels, env: 'prod' }));
});

test('a nil LabelSelector selects nothing, an empty one everything', (t) => {
  t.false(matchesSelector(selectorFromLabelSelector(undefined), labels));
  t.true(matchesSelector(selectorFromLabelSelector({}), labels));
});

test('In with no values and Exists with values are invalid', (t) => {
  t.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }));
  t.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }));
  t.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }));
});

const labelKey = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const labelValue = fc.stringMatching(/^[a-z0-9]{1,6}$/);
const labelMap = fc.dictionary(labelKey, labelValue, { maxKeys: 5 });

test('property: a map selector always matches the labels it was built from', (t) => {
  fc.assert(fc.property(labelMap, (m) => matchesSelector(selectorFromMap(m), m)));
  t.pass();
});

test('"in" and "notin" are plain values after an operator and inside a value set, as in Go\'s parser; never keys', (t) => {
  t.deepEqual(parseSelector('a=in,b!=notin,c in (in,notin)'), [
    { key: 'a', operator: '=', values: ['in'] },
    { key: 'b', operator: '!=', values: ['notin'] },
    { key: 'c', operator: 'in', values: ['in', 'notin'] },
  ]);
  t.throws(() => parseSelector('in=a'));
});

test('property: printing then parsing a selector keeps its meaning', (t) => {
  // The string syntax cannot have a key named "in" or "notin" (Go's parser reads them as operators there too).
  const key = labelKey.filter((k) => k !== 'in' && k !== 'notin');
  const req = fc.oneof(
    fc.record({ k: key, v: labelValue }).map(({ k, v }) => `${k}=${v}`),
    fc.record({ k: key, v: labelValue }).map(({ k, v }) => `${k}!=${v}`),
    fc.record({ k: key, vs: fc.array(labelValue, { minLength: 1, maxLength: 3 }) }).map(({ k, vs }) => `${k} in (${vs.join(',')})`),
    fc.record({ k: key, vs: fc.array(labelValue, { minLength: 1, maxLength: 3 }) }).map(({ k, vs }) => `${k} notin (${vs.join(',')})`),
    key,
    key.map((k) => `!${k}`),
  );
  fc.assert(
    fc.property(fc.array(req, { maxLength: 4 }), labelMap, (reqs, m) => {
      const sel = parseSelector(reqs.join(','));
      const again = parseSelector(selectorToString(sel));
      return matchesSelector(sel, m) === matchesSelector(again, m);
    }),
  );
  t.pass();
});
