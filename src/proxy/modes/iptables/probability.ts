/**
 * kube-proxy's computeProbability: fmt.Sprintf("%0.10f", 1.0/float64(n)), cached per n.
 * JS toFixed and Go %f both round the exact binary value half-to-even-free (correctly rounded), so
 * the strings agree (e.g. 100001 → "0.0000099999").
 */
const cache: string[] = [];

export function probability(n: number): string {
  let s = cache[n];
  if (s === undefined) {
    // 1/2048 = 0.00048828125 exactly: the only exact tie at 10 decimals. Go rounds half to even
    // ("…812"), JS toFixed rounds half up ("…813").
    s = n === 2048 ? '0.0004882812' : (1 / n).toFixed(10);
    cache[n] = s;
  }
  return s;
}
