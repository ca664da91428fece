import type { ClientPool } from './clients.js';
import { chiSquareTest } from './chi-square.js';
import { classify, type PathSummary } from './compare.js';
import type { ProbeSpec } from './probes.js';

export interface DistributionResult {
  readonly connections: number;
  /** Real counts per outcome (a pod's `ns/name`, or the failure kind). */
  readonly observed: Readonly<Record<string, number>>;
  /** Emulated probability per outcome. */
  readonly expected: Readonly<Record<string, number>>;
  readonly chiSquare: number;
  readonly df: number;
  readonly pValue: number;
  /** p ≥ 0.01 and nothing the emulator calls impossible. */
  readonly fits: boolean;
  readonly message: string;
}

const outcomeOf = (p: PathSummary): string => (p.verdict === 'delivered' ? p.pod ?? '(not a pod)' : p.verdict === 'dropped' || p.verdict === 'exited' ? 'silent' : 'refused');

/**
 * Opens `n` connections (fresh source ports) and tests whether where they land fits the traced probabilities:
 * Pearson's chi-square at the 1% level, every outcome the emulator allows a category of its own.
 */
export async function runDistribution(clients: ClientPool, netns: string, probe: ProbeSpec & { readonly src: string }, paths: readonly PathSummary[], n: number, sportBase: number): Promise<DistributionResult> {
  const expected: Record<string, number> = {};
  for (const p of paths) expected[outcomeOf(p)] = (expected[outcomeOf(p)] ?? 0) + p.probability;
  const observed: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const a = await clients.send(netns, { proto: probe.proto, src: probe.src, sport: sportBase + i, dst: probe.dst, dport: probe.dport, timeoutMs: probe.proto === 'tcp' ? 900 : 2000 });
    const r = classify(a);
    const k = r.kind === 'answered' ? r.pod : r.kind;
    observed[k] = (observed[k] ?? 0) + 1;
  }
  const cats = [...new Set([...Object.keys(expected), ...Object.keys(observed)])].sort();
  const t = chiSquareTest(cats.map((c) => observed[c] ?? 0), cats.map((c) => expected[c] ?? 0));
  const unexpected = cats.filter((c) => (expected[c] ?? 0) === 0 && (observed[c] ?? 0) > 0);
  const fits = unexpected.length === 0 && t.pValue >= 0.01;
  const show = cats.map((c) => `${c} ${observed[c] ?? 0}/${n} vs ${(expected[c] ?? 0).toFixed(3)}`).join(', ');
  const message = fits
    ? `distribution fits (chi-square ${t.statistic.toFixed(2)}, df ${t.df}, p=${t.pValue.toFixed(3)}): ${show}`
    : unexpected.length > 0
      ? `connections landed where the emulator says they cannot: ${unexpected.join(', ')} (${show})`
      : `distribution does not fit the traced probabilities at 1% (chi-square ${t.statistic.toFixed(2)}, df ${t.df}, p=${t.pValue.toExponential(2)}): ${show}`;
  return { connections: n, observed, expected, chiSquare: t.statistic, df: t.df, pValue: t.pValue, fits, message };
}
