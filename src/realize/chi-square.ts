/**
 * Pearson's chi-square goodness-of-fit test: do observed counts fit expected probabilities? The p-value is the
 * upper tail of the chi-square distribution, Q(df/2, x/2), the regularized upper incomplete gamma function
 * (series below a+1, Lentz's continued fraction above, as in Numerical Recipes §6.2).
 */
export interface ChiSquareResult {
  readonly statistic: number;
  readonly df: number;
  readonly pValue: number;
}

export function chiSquareTest(observed: readonly number[], probabilities: readonly number[]): ChiSquareResult {
  if (observed.length !== probabilities.length) throw new RangeError('observed and probabilities differ in length');
  const n = observed.reduce((a, b) => a + b, 0);
  const total = probabilities.reduce((a, b) => a + b, 0);
  let x = 0;
  let k = 0;
  for (const [i, o] of observed.entries()) {
    const p = (probabilities[i] ?? 0) / total;
    if (p <= 0) {
      // An outcome the model says is impossible: infinitely unlikely if seen at all.
      if (o > 0) return { statistic: Infinity, df: Math.max(1, observed.length - 1), pValue: 0 };
      continue;
    }
    const e = p * n;
    x += ((o - e) * (o - e)) / e;
    k++;
  }
  const df = Math.max(1, k - 1);
  return { statistic: x, df, pValue: k < 2 ? 1 : upperGammaQ(df / 2, x / 2) };
}

function lnGamma(z: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - lnGamma(1 - z);
  const zz = z - 1;
  let a = c[0] ?? 0;
  const t = zz + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] ?? 0) / (zz + i);
  return 0.5 * Math.log(2 * Math.PI) + (zz + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Q(a, x) = Γ(a, x) / Γ(a). */
export function upperGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  const gln = lnGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let del = sum;
    let ap = a;
    for (let n = 0; n < 500; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - gln));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - gln) * h;
}
