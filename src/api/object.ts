import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** A JSON object as it crosses a boundary (HTTP body, YAML, a patch): narrowed before use. */
export type JsonObject = { [key: string]: unknown };

/**
 * Any Kubernetes object as the API server handles it: typed envelope, untyped body. Kind-specific
 * code (defaulting, validation, printing) narrows it to the kubernetes-types shape it needs.
 */
/** ObjectMeta with the server-set fields writable: the API server is the one that sets them. */
export type Meta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [field: string]: unknown;
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A stored object as readers see it: shared and deep-frozen, so the top level is typed readonly
 * (nested JSON stays `unknown` and must be narrowed; writing into it throws at run time). Copy it
 * (cloneJson) before changing it.
 */
export interface ReadonlyKubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Readonly<Meta>;
  readonly [field: string]: unknown;
}

/**
 * Deep copy of JSON data: a mutable draft of a (possibly frozen, shared) stored object. A plain
 * recursive copy: for the small objects Kubernetes traffics in it is several times cheaper than
 * structuredClone's serialize/deserialize round. Only JSON values (objects, arrays, primitives) are
 * expected; a key holding undefined is kept, as structuredClone keeps it.
 */
export function cloneJson<T>(v: T): T {
  return copyValue(v) as T;
}

function copyValue(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyValue(v[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = copyValue((v as Record<string, unknown>)[k]);
  return out;
}

/**
 * Copy-on-write copy of JSON data: the unfrozen parts are copied, frozen subtrees (parts of stored
 * objects, which nobody can change) are shared as they are. The result's own parts are the caller's
 * to change; its frozen parts must be replaced, not written into.
 */
export function copyUnfrozen<T>(v: T): T {
  return copyThawed(v) as T;
}

function copyThawed(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyThawed(v[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = copyThawed((v as Record<string, unknown>)[k]);
  return out;
}

export { deepFreeze } from '../lib/index.js';

/**
 * Structural equality of JSON values (key order ignored; a key holding undefined counts as absent),
 * used to decide whether spec changed. Shared (e.g. frozen, reused) subtrees compare by reference
 * first; nothing is allocated, as this runs on every write.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  let na = 0;
  for (const k in oa) {
    const va = oa[k];
    if (va === undefined) continue;
    na++;
    if (!jsonEqual(va, ob[k])) return false;
  }
  let nb = 0;
  for (const k in ob) if (ob[k] !== undefined) nb++;
  return na === nb;
}

/** Reads a nested field by path (numeric steps index arrays); undefined when any step is missing. */
export function getPath(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (Array.isArray(cur) && /^\d+$/.test(p)) cur = cur[Number(p)];
    else if (isJsonObject(cur)) cur = cur[p];
    else return undefined;
  }
  return cur;
}

/** Returns the object at `path`, creating empty objects on the way (for defaulting). */
export function ensureObject(obj: JsonObject, path: readonly string[]): JsonObject {
  let cur = obj;
  for (const p of path) {
    const next = cur[p];
    if (isJsonObject(next)) {
      cur = next;
    } else {
      const created: JsonObject = {};
      cur[p] = created;
      cur = created;
    }
  }
  return cur;
}

/** Sets `obj[key] = value` only when the field is absent (null counts as absent, as in Go's zero value). */
export function setDefault(obj: JsonObject, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
