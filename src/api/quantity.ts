import { InputError } from '../lib/index.js';

/**
 * resource.Quantity as the scheduler and the QoS class read it: CPU in millicores and memory in bytes. Suffixes are
 * the binary (Ki…Ei), decimal (n, u, m, k, M, G, T, P, E) and exponent (1e3) forms of
 * apimachinery's quantity grammar. Fractions round up, as Quantity.MilliValue/Value do.
 */
const SUFFIX: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** The quantity's value in base units (cores, bytes, pods); throws KW_SCHEDULER_QUANTITY on bad syntax. */
export function parseQuantity(q: unknown, where = 'quantity'): number {
  if (typeof q === 'number' && Number.isFinite(q)) return q;
  if (typeof q !== 'string') throw new InputError('KW_SCHEDULER_QUANTITY', `${JSON.stringify(q)} is not a quantity`, { where });
  const m = QUANTITY.exec(q.trim());
  if (m === null) throw new InputError('KW_SCHEDULER_QUANTITY', `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got "${q}")`, { where });
  const base = Number(m[1]);
  if (m[2] !== undefined) return base * 10 ** Number(m[2].slice(1));
  return base * (SUFFIX[m[3] ?? ''] ?? 1);
}

/** CPU in millicores, rounded up ("250m" → 250, "0.5" → 500, "1" → 1000). */
export function milliCpu(q: unknown, where?: string): number {
  return Math.ceil(Math.round(parseQuantity(q, where) * 1e9) / 1e6);
}

/** Memory (or pods) as a whole number, rounded up ("128Mi" → 134217728). */
export function wholeQuantity(q: unknown, where?: string): number {
  return Math.ceil(parseQuantity(q, where) - 1e-9);
}
