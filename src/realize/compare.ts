import type { TracePath, Verdict } from '../datapath/index.js';
import type { ClientAnswer } from './clients.js';
import type { TraceEvent } from './monitor.js';

/** What real Linux did with a probe, as the client saw it. */
export type RealOutcome =
  | { readonly kind: 'answered'; readonly pod: string; readonly source: string; readonly sourcePort: number }
  | { readonly kind: 'refused' | 'unreachable' | 'silent' | 'error'; readonly error: string };

export function classify(a: ClientAnswer): RealOutcome {
  if (a.ok) {
    const m = /^(\S+) (\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(a.answer);
    if (m === null) return { kind: 'error', error: `unexpected answer "${a.answer}"` };
    return { kind: 'answered', pod: m[1] ?? '', source: m[2] ?? '', sourcePort: Number(m[3]) };
  }
  if (a.error === 'ECONNREFUSED' || a.error === 'ECONNRESET') return { kind: 'refused', error: a.error };
  if (a.error === 'EHOSTUNREACH' || a.error === 'ENETUNREACH') return { kind: 'unreachable', error: a.error };
  if (a.error === 'timeout') return { kind: 'silent', error: 'no answer (timeout)' };
  return { kind: 'error', error: a.error };
}

/** The emulated verdicts each real outcome can stand for. */
const ALLOWED: Readonly<Record<RealOutcome['kind'], readonly Verdict[]>> = {
  answered: ['delivered'],
  // A REJECT sends TCP RST or ICMP port-unreachable: both read as ECONNREFUSED.
  refused: ['rejected'],
  unreachable: ['rejected', 'unreachable', 'expired', 'exited'],
  // A drop, or a packet that left through the (absent) gateway.
  silent: ['dropped', 'exited'],
  error: [],
};

/** The rules one path (or one real run) hit, per node namespace (emulator names: node/<name>), as `<table> -A …`. */
export type RuleLists = Record<string, string[]>;

export interface PathSummary {
  readonly probability: number;
  readonly exact: string;
  readonly verdict: Verdict;
  readonly pod: string | null;
  readonly sourceSeen: string | null;
  readonly rules: RuleLists;
}

export function summarizePath(p: TracePath): PathSummary {
  const rules: RuleLists = {};
  for (const h of p.hops) {
    if (h.step !== 'netfilter' || h.rule === null || h.table === undefined) continue;
    (rules[h.netns] ??= []).push(`${h.table} ${h.rule}`);
  }
  return { probability: p.probability.toNumber(), exact: p.probability.toString(), verdict: p.verdict, pod: p.delivered?.pod ?? null, sourceSeen: p.sourceSeen, rules };
}

/** Real rule hits per namespace, leaving out the raw table (it holds only our TRACE rules). */
export function realRules(byNetns: ReadonlyMap<string, readonly TraceEvent[]>): RuleLists {
  const out: RuleLists = {};
  for (const [ns, events] of byNetns) {
    const list = events.filter((e) => e.type === 'rule' && e.rule !== null && e.table !== 'raw').map((e) => `${e.table} ${e.rule ?? ''}`);
    if (list.length > 0) out[ns] = list;
  }
  return out;
}

export interface Disagreement {
  readonly check: 'verdict' | 'source' | 'rules' | 'distribution';
  readonly message: string;
  readonly emulated: unknown;
  readonly real: unknown;
}

export function describePath(p: PathSummary): string {
  return p.verdict === 'delivered' ? `${p.pod ?? 'a non-pod address'} (source ${p.sourceSeen ?? '?'}, p=${p.exact})` : `${p.verdict} (p=${p.exact})`;
}

/** The first difference between two rule lists, or undefined when equal. */
export function ruleDiff(emulated: RuleLists, real: RuleLists): { netns: string; index: number; emulated: string[]; real: string[] } | undefined {
  for (const ns of [...new Set([...Object.keys(emulated), ...Object.keys(real)])].sort()) {
    const a = emulated[ns] ?? [];
    const b = real[ns] ?? [];
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return { netns: ns, index: i, emulated: a, real: b };
  }
  return undefined;
}

/**
 * One probe's comparison: the real outcome must be one the trace allows (the same pod, or the same kind of
 * failure), the source the pod saw must be that path's, and the rules the kernel reported hitting must be that
 * path's, in order. When several paths fit, any one agreeing is enough; evidence is shown for the likeliest.
 */
export function compareProbe(paths: readonly PathSummary[], real: RealOutcome, rules: RuleLists): { disagreements: Disagreement[]; path: number | null } {
  const allowed = ALLOWED[real.kind];
  const emulatedOutcomes = paths.map(describePath);
  const realText = real.kind === 'answered' ? `answered by ${real.pod}, source ${real.source}` : `${real.kind}: ${real.error}`;
  const fits = paths.map((p, i) => ({ p, i })).filter(({ p }) => allowed.includes(p.verdict) && (real.kind !== 'answered' || p.pod === real.pod));
  if (fits.length === 0) {
    return { path: null, disagreements: [{ check: 'verdict', message: `real: ${realText}; the emulator allows only ${emulatedOutcomes.join(', ')}`, emulated: emulatedOutcomes, real: realText }] };
  }
  let cands = fits;
  if (real.kind === 'answered') {
    cands = fits.filter(({ p }) => p.sourceSeen === real.source);
    if (cands.length === 0) {
      const seen = [...new Set(fits.map(({ p }) => p.sourceSeen ?? '?'))];
      return { path: fits[0]?.i ?? null, disagreements: [{ check: 'source', message: `${real.pod} saw source ${real.source}; the emulator says ${seen.join(' or ')}`, emulated: seen, real: real.source }] };
    }
  }
  const same = cands.find(({ p }) => ruleDiff(p.rules, rules) === undefined);
  if (same !== undefined) return { path: same.i, disagreements: [] };
  const best = [...cands].sort((a, b) => b.p.probability - a.p.probability)[0];
  if (best === undefined) return { path: null, disagreements: [] };
  const d = ruleDiff(best.p.rules, rules);
  const at = d === undefined ? '' : `${d.netns} rule #${d.index + 1}: emulated ${d.emulated[d.index] ?? '(nothing more)'} / real ${d.real[d.index] ?? '(nothing more)'}`;
  return { path: best.i, disagreements: [{ check: 'rules', message: `the rules the kernel hit differ from the emulated path's (${at})`, emulated: best.p.rules, real: rules }] };
}
