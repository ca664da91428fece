import type { CapabilityArgs, JsonValue, PluginConfObject } from '../spec/config-types.js';
import type { CniResult } from '../spec/result-types.js';
import { resultJson } from '../spec/result.js';

/**
 * The request config for one plugin run (SPEC.md §3 "Deriving request configuration"; libcni buildOneConfig +
 * injectRuntimeConfig): the plugin object with `name` and `cniVersion` set, `prevResult` when given, and
 * `runtimeConfig` holding exactly the capability args that are both declared true in `capabilities` and supplied
 * by the runtime (omitted when that is empty). Keys come out sorted, as Go's map re-marshal in InjectConf does.
 * libcni leaves `capabilities` in the request although spec 1.0 says it must not be set: `stripCapabilities` follows the spec.
 */
export interface RequestParts {
  readonly name: string;
  readonly cniVersion: string;
  readonly prevResult?: CniResult;
  readonly capabilityArgs?: CapabilityArgs;
  /** Extra keys (GC: `cni.dev/valid-attachments`). */
  readonly inject?: Readonly<Record<string, JsonValue>>;
  readonly stripCapabilities?: boolean;
}

export function runtimeConfigFor(plugin: PluginConfObject, capabilityArgs: CapabilityArgs | undefined): Record<string, JsonValue> {
  const rc: Record<string, JsonValue> = {};
  const caps = plugin['capabilities'];
  if (caps === undefined || caps === null || typeof caps !== 'object' || Array.isArray(caps) || capabilityArgs === undefined) return rc;
  for (const [cap, on] of Object.entries(caps as Record<string, JsonValue>)) {
    const v = capabilityArgs[cap];
    if (on === true && v !== undefined) rc[cap] = v as JsonValue;
  }
  return rc;
}

export function buildRequest(plugin: PluginConfObject, p: RequestParts): string {
  const fields = new Map<string, string | undefined>(pluginFields(plugin));
  fields.set('name', JSON.stringify(p.name));
  fields.set('cniVersion', JSON.stringify(p.cniVersion));
  // The cached result as Go marshals it (compact), then re-marshalled through a map: keys sorted at every level.
  if (p.prevResult !== undefined) fields.set('prevResult', sortedJson(resultJson(p.prevResult)));
  const rc = runtimeConfigFor(plugin, p.capabilityArgs);
  if (Object.keys(rc).length > 0) fields.set('runtimeConfig', sortedJson(rc));
  if (p.stripCapabilities === true) fields.delete('capabilities');
  for (const [k, v] of Object.entries(p.inject ?? {})) fields.set(k, sortedJson(v));
  return objectText(fields);
}

/**
 * The value JSON.parse(buildRequest(plugin, p)) gives, built without the text: the plugin's fields come from a sorted,
 * deep-frozen copy made once per (immutable, loaded) plugin object; prevResult and runtimeConfig are fresh.
 */
export function buildRequestJson(plugin: PluginConfObject, p: RequestParts): Record<string, unknown> {
  const fields = new Map<string, unknown>(pluginValues(plugin));
  fields.set('name', p.name);
  fields.set('cniVersion', p.cniVersion);
  if (p.prevResult !== undefined) fields.set('prevResult', sortedClone(resultJson(p.prevResult)));
  const rc = runtimeConfigFor(plugin, p.capabilityArgs);
  if (Object.keys(rc).length > 0) fields.set('runtimeConfig', sortedClone(rc));
  if (p.stripCapabilities === true) fields.delete('capabilities');
  for (const [k, v] of Object.entries(p.inject ?? {})) fields.set(k, sortedClone(v));
  const out: Record<string, unknown> = {};
  for (const k of jsKeyOrder([...fields.keys()])) {
    const v = fields.get(k);
    if (v !== DROPPED) out[k] = v;
  }
  return out;
}

/** Marks a value JSON.stringify writes nothing for (undefined, a function): its key is left out. */
const DROPPED: unique symbol = Symbol('dropped');

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

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

const valueCache = new WeakMap<PluginConfObject, ReadonlyMap<string, unknown>>();
function pluginValues(plugin: PluginConfObject): ReadonlyMap<string, unknown> {
  let f = valueCache.get(plugin);
  if (f === undefined) {
    f = new Map(Object.keys(plugin).map((k) => [k, deepFreeze(sortedClone(plugin[k]))]));
    valueCache.set(plugin, f);
  }
  return f;
}

/** `{"k":v,…}` with keys in Go's map order; a value that marshals to nothing (undefined) drops its key. */
function objectText(fields: ReadonlyMap<string, string | undefined>): string {
  const keys = [...fields.keys()].sort();
  let out = '{';
  for (const k of keys) {
    const v = fields.get(k);
    if (v === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${v}`;
  }
  return `${out}}`;
}

/**
 * JSON.stringify with object keys sorted at every level (what a Go map[string]interface{} marshals to), written
 * straight to text. Key order is what JSON.stringify gives for an object built in sorted order: integer-like keys
 * first, ascending, then the others sorted.
 */
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
function jsKeyOrder(keys: string[]): string[] {
  const sorted = keys.sort();
  if (!sorted.some(isIndexKey)) return sorted;
  const idx = sorted.filter(isIndexKey).sort((a, b) => Number(a) - Number(b));
  return [...idx, ...sorted.filter((k) => !isIndexKey(k))];
}

/** A plugin object's top-level fields as sorted JSON texts, computed once per (immutable, loaded) plugin object. */
const fieldCache = new WeakMap<PluginConfObject, ReadonlyMap<string, string | undefined>>();
function pluginFields(plugin: PluginConfObject): ReadonlyMap<string, string | undefined> {
  let f = fieldCache.get(plugin);
  if (f === undefined) {
    f = new Map(Object.keys(plugin).map((k) => [k, sortedJson(plugin[k])]));
    fieldCache.set(plugin, f);
  }
  return f;
}

