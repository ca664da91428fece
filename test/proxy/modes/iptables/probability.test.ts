import test from 'ava';
import { goMarkText, probability } from '../../../../src/proxy/index.js';

test('probabilities are Go %0.10f of 1/n (upstream TestComputeProbability)', (t) => {
  const want: Record<number, string> = {
    1: '1.0000000000',
    2: '0.5000000000',
    3: '0.3333333333',
    10: '0.1000000000',
    100: '0.0100000000',
    1000: '0.0010000000',
    10000: '0.0001000000',
    100000: '0.0000100000',
    100001: '0.0000099999',
    // exact tie: Go rounds half to even
    2048: '0.0004882812',
  };
  for (const [n, s] of Object.entries(want)) t.is(probability(Number(n)), s, `n=${n}`);
});

test('probabilities strictly increase as n decreases (upstream monotonicity check)', (t) => {
  let prev = 0;
  for (let i = 100000; i > 1; i--) {
    const p = Number(probability(i));
    if (p <= prev) t.fail(`probability(${i}) = ${p} <= ${prev}`);
    prev = p;
  }
  t.pass();
});

test('mark text is Go %#08x: 0x00004000 for bit 14, as real kube-proxy writes it', (t) => {
  t.is(goMarkText(1 << 14), '0x00004000');
  t.is(goMarkText(1 << 0), '0x00000001');
  t.is(goMarkText(2 ** 31), '0x80000000');
});
