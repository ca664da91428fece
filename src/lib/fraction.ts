/**
 * Exact probabilities. Trace paths fork at random choices (iptables statistic, IPVS rr, ECMP) and
 * their probabilities must sum to exactly 1, so they are kept as reduced bigint fractions.
 */
export class Fraction {
  static readonly ONE = new Fraction(1n, 1n);
  static readonly ZERO = new Fraction(0n, 1n);

  readonly num: bigint;
  readonly den: bigint;

  private constructor(num: bigint, den: bigint) {
    this.num = num;
    this.den = den;
  }

  static of(num: bigint | number, den: bigint | number = 1n): Fraction {
    let n = BigInt(num);
    let d = BigInt(den);
    if (d === 0n) throw new RangeError('fraction with zero denominator');
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n < 0n ? -n : n, d);
    return g === 1n ? new Fraction(n, d) : new Fraction(n / g, d / g);
  }

  /** Parses a decimal string exactly, e.g. "0.3333333333" → 3333333333/10^10. */
  static fromDecimal(text: string): Fraction {
    const m = /^(\d*)(?:\.(\d*))?$/.exec(text.trim());
    if (m === null || (m[1] === '' && (m[2] ?? '') === '')) throw new RangeError(`not a decimal: ${text}`);
    const intPart = m[1] === '' ? '0' : (m[1] ?? '0');
    const frac = m[2] ?? '';
    return Fraction.of(BigInt(intPart + frac), 10n ** BigInt(frac.length));
  }

  mul(o: Fraction): Fraction {
    if (this.isOne()) return o;
    if (o.isOne()) return this;
    return Fraction.of(this.num * o.num, this.den * o.den);
  }

  add(o: Fraction): Fraction {
    return Fraction.of(this.num * o.den + o.num * this.den, this.den * o.den);
  }

  sub(o: Fraction): Fraction {
    return Fraction.of(this.num * o.den - o.num * this.den, this.den * o.den);
  }

  /** 1 - this */
  complement(): Fraction {
    return Fraction.ONE.sub(this);
  }

  isOne(): boolean {
    return this.num === this.den;
  }

  isZero(): boolean {
    return this.num === 0n;
  }

  equals(o: Fraction): boolean {
    return this.num === o.num && this.den === o.den;
  }

  toNumber(): number {
    return Number(this.num) / Number(this.den);
  }

  toString(): string {
    return this.den === 1n ? `${this.num}` : `${this.num}/${this.den}`;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a === 0n ? 1n : a;
}
