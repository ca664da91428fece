/**
 * Exact probabilities. Trace paths fork at random choices (iptables statistic, IPVS rr, ECMP) and
 * their probabilities must sum to exactly 1, so they are kept as reduced fractions.
 *
 * Most fractions the datapath meets (1/n, k/2^31) fit in safe integers, so a fraction keeps its
 * numerator and denominator as plain numbers while both stay within 2^53 and falls back to
 * bigints only when an operation would exceed that; `num`/`den` always read as bigints. Either
 * way the value is exact and reduced, so equal fractions have equal `num` and `den`.
 */
export class Fraction {
  static readonly ONE = new Fraction(1, 1, undefined, undefined);
  static readonly ZERO = new Fraction(0, 1, undefined, undefined);

  /** Numerator and denominator as numbers, or NaN when they are only held as bigints. */
  private readonly n: number;
  private readonly d: number;
  private bn: bigint | undefined;
  private bd: bigint | undefined;

  private constructor(n: number, d: number, bn: bigint | undefined, bd: bigint | undefined) {
    this.n = n;
    this.d = d;
    this.bn = bn;
    this.bd = bd;
  }

  get num(): bigint {
    if (this.bn === undefined) this.bn = BigInt(this.n);
    return this.bn;
  }

  get den(): bigint {
    if (this.bd === undefined) this.bd = BigInt(this.d);
    return this.bd;
  }

  static of(num: bigint | number, den: bigint | number = 1): Fraction {
    if (typeof num === 'number' && typeof den === 'number' && Number.isSafeInteger(num) && Number.isSafeInteger(den)) return Fraction.small(num, den);
    return Fraction.big(BigInt(num), BigInt(den));
  }

  /** Parses a decimal string exactly, e.g. "0.3333333333" → 3333333333/10^10. */
  static fromDecimal(text: string): Fraction {
    const m = /^(\d*)(?:\.(\d*))?$/.exec(text.trim());
    if (m === null || (m[1] === '' && (m[2] ?? '') === '')) throw new RangeError(`not a decimal: ${text}`);
    const intPart = m[1] === '' ? '0' : (m[1] ?? '0');
    const frac = m[2] ?? '';
    return Fraction.of(BigInt(intPart + frac), 10n ** BigInt(frac.length));
  }

  private get isSmall(): boolean {
    return this.n === this.n;
  }

  mul(o: Fraction): Fraction {
    if (this.isOne()) return o;
    if (o.isOne()) return this;
    if (this.isSmall && o.isSmall) {
      // Cross-reduce first so the products stay small; exact only while they stay safe integers.
      const g1 = gcdNum(Math.abs(this.n), o.d);
      const g2 = gcdNum(Math.abs(o.n), this.d);
      const n = (this.n / g1) * (o.n / g2);
      const d = (this.d / g2) * (o.d / g1);
      if (Math.abs(n) <= Number.MAX_SAFE_INTEGER && d <= Number.MAX_SAFE_INTEGER) return new Fraction(n, d, undefined, undefined);
    }
    return Fraction.big(this.num * o.num, this.den * o.den);
  }

  add(o: Fraction): Fraction {
    if (this.isSmall && o.isSmall) {
      const a = this.n * o.d;
      const b = o.n * this.d;
      const d = this.d * o.d;
      const s = a + b;
      if (Math.abs(a) <= Number.MAX_SAFE_INTEGER && Math.abs(b) <= Number.MAX_SAFE_INTEGER && d <= Number.MAX_SAFE_INTEGER && Math.abs(s) <= Number.MAX_SAFE_INTEGER) return Fraction.small(s, d);
    }
    return Fraction.big(this.num * o.den + o.num * this.den, this.den * o.den);
  }

  sub(o: Fraction): Fraction {
    if (this.isSmall && o.isSmall) {
      const a = this.n * o.d;
      const b = o.n * this.d;
      const d = this.d * o.d;
      const s = a - b;
      if (Math.abs(a) <= Number.MAX_SAFE_INTEGER && Math.abs(b) <= Number.MAX_SAFE_INTEGER && d <= Number.MAX_SAFE_INTEGER && Math.abs(s) <= Number.MAX_SAFE_INTEGER) return Fraction.small(s, d);
    }
    return Fraction.big(this.num * o.den - o.num * this.den, this.den * o.den);
  }

  /** 1 - this */
  complement(): Fraction {
    if (this.isSmall && Math.abs(this.d - this.n) <= Number.MAX_SAFE_INTEGER) return new Fraction(this.d - this.n, this.d, undefined, undefined);
    return Fraction.ONE.sub(this);
  }

  isOne(): boolean {
    return this.isSmall ? this.n === this.d : this.num === this.den;
  }

  isZero(): boolean {
    return this.isSmall ? this.n === 0 : this.num === 0n;
  }

  equals(o: Fraction): boolean {
    if (this.isSmall && o.isSmall) return this.n === o.n && this.d === o.d;
    return this.num === o.num && this.den === o.den;
  }

  toNumber(): number {
    return this.isSmall ? this.n / this.d : Number(this.num) / Number(this.den);
  }

  toString(): string {
    if (this.isSmall) return this.d === 1 ? `${this.n}` : `${this.n}/${this.d}`;
    return this.den === 1n ? `${this.num}` : `${this.num}/${this.den}`;
  }

  private static small(n: number, d: number): Fraction {
    if (d === 0) throw new RangeError('fraction with zero denominator');
    if (d < 0) {
      n = -n;
      d = -d;
    }
    const g = gcdNum(Math.abs(n), d);
    return new Fraction(g === 1 ? n : n / g, g === 1 ? d : d / g, undefined, undefined);
  }

  private static big(n: bigint, d: bigint): Fraction {
    if (d === 0n) throw new RangeError('fraction with zero denominator');
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n < 0n ? -n : n, d);
    if (g !== 1n) {
      n /= g;
      d /= g;
    }
    if (n <= MAX_SAFE && n >= -MAX_SAFE && d <= MAX_SAFE) return new Fraction(Number(n), Number(d), undefined, undefined);
    return new Fraction(NaN, NaN, n, d);
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function gcdNum(a: number, b: number): number {
  // Euclid on doubles (a `%` of non-int32 values is a call to fmod) only while a value is beyond
  // int32; one or two steps bring kernel fractions (k/2^31, k/2^32) there, and the rest runs on
  // int32 remainders, several times faster.
  while (b > 0x7fffffff || a > 0x7fffffff) {
    if (b === 0) return a;
    const t = a % b;
    a = b;
    b = t;
  }
  let x = a | 0;
  let y = b | 0;
  while (y !== 0) {
    const t = x % y | 0;
    x = y;
    y = t;
  }
  return x === 0 ? 1 : x;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a === 0n ? 1n : a;
}
