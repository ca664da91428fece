/**
 * Freezes JSON data in place, all the way down, and returns it. Stops at parts already frozen, so
 * freezing a draft that reuses frozen subtrees of its predecessor costs only the new parts.
 */
export function deepFreeze<T>(v: T): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v;
  Object.freeze(v);
  // Indexed and keyed loops, not for-of: this runs on every stored write, and an array iterator per array is garbage.
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) deepFreeze(v[i]);
  } else {
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const x = o[k];
      if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) deepFreeze(x);
    }
  }
  return v;
}

/**
 * Whether `v` is deep-frozen and made only of plain objects, arrays, strings, booleans, null and finite numbers other
 * than -0, with no undefined values: JSON.parse(JSON.stringify(v)) is then a value equal to it, key order included.
 */
export function isDeepFrozenJson(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (typeof v !== 'object' || !Object.isFrozen(v)) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isDeepFrozenJson(v[i])) return false;
    return true;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype || typeof (v as Record<string, unknown>)['toJSON'] === 'function') return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k) || !isDeepFrozenJson((v as Record<string, unknown>)[k])) return false;
  }
  return true;
}
