import test from 'ava';
import fc from 'fast-check';
import { Fraction } from '../../src/lib/index.js';

/** Reference arithmetic on plain bigints: the fraction must equal it, reduced, whichever representation it uses inside. */
function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}
function reduced(n: bigint, d: bigint): string {
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d);
  return d / g === 1n ? `${n / g}` : `${n / g}/${d / g}`;
}

const part = fc.oneof(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.bigInt({ min: -1000n, max: 1000n }), fc.constantFrom(2n ** 31n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 715827882n));
const den = part.filter((d) => d !== 0n);

test('arithmetic is exact and reduced across the number/bigint boundary', (t) => {
  fc.assert(
    fc.property(part, den, part, den, (a, b, c, d) => {
      const x = Fraction.of(a, b);
      const y = Fraction.of(c, d);
      t.is(x.toString(), reduced(a, b));
      t.is(x.mul(y).toString(), reduced(a * c, b * d));
      t.is(x.add(y).toString(), reduced(a * d + c * b, b * d));
      t.is(x.sub(y).toString(), reduced(a * d - c * b, b * d));
      t.is(x.complement().toString(), reduced(b - a, b));
      t.is(x.mul(y).equals(Fraction.of(a * c, b * d)), true);
      t.is(x.isZero(), a === 0n);
      t.is(x.isOne(), a === b);
      const r = reduced(a, b).split('/');
      t.is(x.num, BigInt(r[0] ?? ''));
      t.is(x.den, BigInt(r[1] ?? '1'));
    }),
    { numRuns: 2000 },
  );
});

test('kernel statistic probabilities keep summing to exactly one', (t) => {
  // kube-proxy's 1/3, 1/2, 1 picks as the kernel stores them (lround(p * 2^31) / 2^31).
  const p1 = Fraction.of(715827883, 2 ** 31);
  const p2 = Fraction.of(1073741824, 2 ** 31);
  const a = p1;
  const b = p1.complement().mul(p2);
  const c = p1.complement().mul(p2.complement());
  t.is(a.add(b).add(c).toString(), '1');
  t.true(a.add(b).add(c).isOne());
  t.is(c.toString(), '1431655765/4294967296');
  t.is(Fraction.of(6, -4).toString(), '-3/2');
  t.is(Fraction.fromDecimal('0.3333333333').toString(), '3333333333/10000000000');
  t.throws(() => Fraction.of(1, 0), { instanceOf: RangeError });
  t.throws(() => Fraction.of(1n, 0n), { instanceOf: RangeError });
});

test('repeated products of the same fractions stay exact, whichever was multiplied in between', (t) => {
  // 1/3 and 1/5 as the kernel stores them: (1 - p) * q has a 2^62 denominator (bigints).
  const p = Fraction.of(715827883, 2 ** 31);
  const q = Fraction.of(429496730, 2 ** 31);
  const notP = p.complement();
  const want = reduced((2n ** 31n - 715827883n) * 429496730n, 2n ** 62n);
  for (let i = 0; i < 3; i++) {
    t.is(notP.mul(q).toString(), want);
    // Another product of the same left operand in between must not be answered for q, nor q's for it.
    t.is(notP.mul(p).toString(), reduced((2n ** 31n - 715827883n) * 715827883n, 2n ** 62n));
    t.is(notP.mul(q).mul(notP).toString(), reduced((2n ** 31n - 715827883n) ** 2n * 429496730n, 2n ** 93n));
  }
  t.true(notP.mul(q).equals(Fraction.of((2n ** 31n - 715827883n) * 429496730n, 2n ** 62n)));
  t.is(notP.mul(q).num * 2n ** 62n, (2n ** 31n - 715827883n) * 429496730n * notP.mul(q).den);
});

test('fractions reduce exactly when their terms straddle the int32 range', (t) => {
  // Common factors above 2^31 (where the reduction runs on doubles) and below it (on int32 remainders).
  t.is(Fraction.of(3 * 2 ** 31, 9 * 2 ** 31).toString(), '1/3');
  t.is(Fraction.of(2 ** 32 - 2, 2 ** 32).toString(), '2147483647/2147483648');
  t.is(Fraction.of(6 * 2147483647, 4 * 2147483647).toString(), '3/2');
  // The kernel's 2/3 complement times 1/2 (the second endpoint pick of three): 1431655765/2^32.
  const notThird = Fraction.of(715827883, 2 ** 31).complement();
  t.is(notThird.mul(Fraction.of(1, 2)).toString(), '1431655765/4294967296');
  t.is(Fraction.of(2 ** 31, 3).mul(Fraction.of(3, 2 ** 31)).toString(), '1');
  t.is(Fraction.of(0, 2 ** 40).toString(), '0');
});
