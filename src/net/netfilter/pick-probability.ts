import { Fraction } from '../../lib/index.js';

/**
 * The arithmetic of a walk's random picks, memoised: a `statistic --mode random` rule's complement (the path that
 * did not match), and the product of a path's probability with a pick's.
 */

const complements = new WeakMap<Fraction, Fraction>();

/**
 * The last few products of a path's probability and a random pick's (one of the pick or its complement). Rules share
 * their probability Fractions (kube-proxy writes the same few 1/n by the thousand), so a walk multiplies the same
 * few pairs over and over; each product is a reduction by gcd, on fmod while a denominator is 2^31. Fractions are
 * immutable, so a product found here is the product.
 */
const PRODUCTS = 4;
const prodA: (Fraction | undefined)[] = [undefined, undefined, undefined, undefined];
const prodB: (Fraction | undefined)[] = [undefined, undefined, undefined, undefined];
const prodR: (Fraction | undefined)[] = [undefined, undefined, undefined, undefined];
let nextProduct = 0;

export function times(a: Fraction, b: Fraction): Fraction {
  if (a === Fraction.ONE) return b;
  for (let k = 0; k < PRODUCTS; k++) {
    if (prodA[k] === a && prodB[k] === b) {
      const r = prodR[k];
      if (r !== undefined) return r;
    }
  }
  const r = a.mul(b);
  prodA[nextProduct] = a;
  prodB[nextProduct] = b;
  prodR[nextProduct] = r;
  nextProduct = (nextProduct + 1) % PRODUCTS;
  return r;
}

/** 1 - p, made once per rule probability (Fractions are immutable and shared by the rules that hold them). */
export function complementOf(p: Fraction): Fraction {
  let c = complements.get(p);
  if (c === undefined) {
    c = p.complement();
    complements.set(p, c);
  }
  return c;
}
