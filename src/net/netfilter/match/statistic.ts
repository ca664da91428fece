import { Fraction } from '../../../lib/index.js';
import type { Match } from '../types.js';
import { type MatchModule, noInvert, single } from './module.js';

const TWO_31 = 2147483648;
let nextNthId = 1;

/** The probability the kernel really uses: libxt_statistic stores lround(p * 2^31) and xt_statistic matches when (random & 0x7fffffff) < stored. */
export function kernelProbability(p: number): number {
  return Math.round(p * TWO_31);
}

/** `%.11f` of stored / 2^31, as iptables-save prints it (exact decimal, ties to even as glibc printf). */
export function probabilityText(stored: number): string {
  const scaled = BigInt(stored) * 10n ** 11n;
  const den = BigInt(TWO_31);
  let q = scaled / den;
  const r = scaled % den;
  if (r * 2n > den || (r * 2n === den && q % 2n === 1n)) q += 1n;
  const s = q.toString().padStart(12, '0');
  return `${s.slice(0, -11)}.${s.slice(-11)}`;
}

const fractions = new Map<number, Fraction>();

/** stored / 2^31, shared between rules (kube-proxy writes the same few probabilities 10,000 times). */
function storedFraction(stored: number): Fraction {
  let f = fractions.get(stored);
  if (f === undefined) {
    f = Fraction.of(stored, TWO_31);
    if (fractions.size < 4096) fractions.set(stored, f);
  }
  return f;
}

/** `--mode random`: the walker forks on `probability` instead of calling evaluate. */
export class StatisticRandomMatch implements Match {
  readonly module = 'statistic';
  readonly implicit = false;
  readonly probability: Fraction;
  /** 1 - probability (the "did not match" branch), made on first fork. */
  private complementCache: Fraction | undefined;
  /** The walker's hop note for a fork on this match, made on first use. */
  walkNote: string | undefined;

  constructor(
    /** lround(p * 2^31), as libxt_statistic stores it. */
    readonly stored: number,
    readonly invert: boolean,
    /** The literal `--probability` text as written. */
    readonly probabilityText: string,
  ) {
    const exact = storedFraction(stored);
    this.probability = invert ? exact.complement() : exact;
  }

  /** 1 - probability, kept on the match (kube-proxy's rules share a few matches by the thousand). */
  get complement(): Fraction {
    if (this.complementCache === undefined) this.complementCache = this.probability.complement();
    return this.complementCache;
  }

  get saveArgs(): string[] {
    return ['--mode', 'random', ...(this.invert ? ['!'] : []), '--probability', probabilityText(this.stored)];
  }

  /** Only reached if a caller evaluates without forking: treat "random" as its likelier outcome. */
  evaluate(): boolean {
    return this.probability.num * 2n >= this.probability.den;
  }
}

/**
 * `-m statistic --mode random [!] --probability p` and `--mode nth [!] --every n --packet p`.
 * Random mode carries an exact Fraction (stored / 2^31) so the walker can fork both outcomes.
 * Nth mode is deterministic: like xt_statistic, a per-rule counter starts at (n-1)-p and each
 * packet reaching the match sets it to 0 when it equals n-1 (else +1); the match fires on 0.
 * The counter lives in the path state (NfState.nth), keyed by this match's id.
 */
export const statisticMatch: MatchModule = {
  name: 'statistic',
  options: { mode: 1, probability: 1, every: 1, packet: 1 },
  build(opts, b): Match {
    const o = single(opts, b);
    const mode = o.get('mode');
    noInvert(mode, b);
    noInvert(o.get('packet'), b);
    const prob = o.get('probability');
    const every = o.get('every');
    const packet = o.get('packet');
    if (mode === undefined) return b.fail('statistic: no mode specified');
    const m = mode.values[0];
    if (m === 'random') {
      if (every !== undefined || packet !== undefined) b.fail('statistic: both nth and random parameters given');
      if (prob === undefined) return b.fail('statistic: --probability must be specified when using random mode');
      const literal = prob.values[0] ?? '';
      const p = isDecimal(literal) ? Number(literal) : NaN;
      if (!(p >= 0 && p <= 1)) b.fail(`statistic: invalid --probability "${literal}", must be 0 <= p <= 1`);
      return new StatisticRandomMatch(kernelProbability(p), prob.invert, literal);
    }
    if (m === 'nth') {
      if (prob !== undefined) b.fail('statistic: both nth and random parameters given');
      if (every === undefined || packet === undefined) return b.fail('statistic: option "--every" also requires "--packet"');
      const n = Number(every.values[0]);
      const pk = Number(packet.values[0]);
      if (!/^\d+$/.test(every.values[0] ?? '') || n < 1) b.fail(`statistic: bad --every "${every.values[0] ?? ''}"`);
      if (!/^\d+$/.test(packet.values[0] ?? '') || pk > n - 1) b.fail('statistic: the --packet p must be 0 <= p <= n-1');
      const id = nextNthId++;
      const invert = every.invert;
      const last = n - 1;
      const start = last - pk;
      return {
        module: 'statistic',
        implicit: false,
        saveArgs: ['--mode', 'nth', ...(invert ? ['!'] : []), '--every', `${n}`, '--packet', `${pk}`],
        evaluate: (ctx) => {
          const cur = ctx.state.nth.get(id) ?? start;
          const next = cur === last ? 0 : cur + 1;
          ctx.state = ctx.state.withNth(id, next);
          return (next === 0) !== invert;
        },
      };
    }
    return b.fail(`statistic: bad mode "${m ?? ''}"`);
  },
};

/** `^(\d+(\.\d*)?|\.\d+)$` without a regex. */
function isDecimal(s: string): boolean {
  let digits = 0;
  let dot = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return false;
  }
  return digits > 0;
}
