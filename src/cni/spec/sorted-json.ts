/**
 * JSON with object keys sorted at every level: what a Go map[string]interface{} marshals to (libcni's InjectConf
 * re-marshals the request config through one). Key order is what JSON.stringify gives for an object built in sorted
 * order: integer-like keys first, ascending, then the others sorted.
 */

/** Marks a value JSON.stringify writes nothing for (undefined, a function): its key is left out. */
export const DROPPED: unique symbol = Symbol('dropped');

/**
 * What JSON.parse(sortedJson(v)) gives, without the text: plain objects with keys in sorted (JS) order, arrays,
 * strings, booleans, null and finite numbers are copied directly; anything else takes the text's way.
 */
export function sortedClone(v: unknown): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v === 0 ? 0 : v;
  if (Array.isArray(v)) {
    const out: unknown[] = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = sortedClone(v[i]);
      out[i] = x === DROPPED ? null : x;
    }
    return out;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && typeof (v as Record<string, unknown>)['toJSON'] !== 'function') {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of jsKeyOrder(Object.keys(o))) {
      const x = sortedClone(o[k]);
      if (x !== DROPPED) out[k] = x;
    }
    return out;
  }
  const t = sortedJson(v);
  return t === undefined ? DROPPED : (JSON.parse(t) as unknown);
}

/** JSON.stringify with object keys sorted at every level, written straight to text. */
export function sortedJson(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => sortedJson(x) ?? 'null').join(',')}]`;
  const o = v as Record<string, unknown>;
  if (typeof o['toJSON'] === 'function') return sortedJson(JSON.parse(JSON.stringify(o)) as unknown);
  let out = '{';
  for (const k of jsKeyOrder(Object.keys(o))) {
    const t = sortedJson(o[k]);
    if (t === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${t}`;
  }
  return `${out}}`;
}

const INDEX_KEY = /^(0|[1-9]\d*)$/;
/** An array-index-like key ("0", "17"): JS puts these first, ascending. Only keys starting with a digit can be one. */
function isIndexKey(k: string): boolean {
  const c = k.charCodeAt(0);
  return c >= 48 && c <= 57 && INDEX_KEY.test(k) && Number(k) < 4294967295;
}

/** Keys in the order an object built in sorted order enumerates them (sorts `keys` in place). */
export function jsKeyOrder(keys: string[]): string[] {
  const sorted = keys.sort();
  if (!sorted.some(isIndexKey)) return sorted;
  const idx = sorted.filter(isIndexKey).sort((a, b) => Number(a) - Number(b));
  return [...idx, ...sorted.filter((k) => !isIndexKey(k))];
}
