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
function jsKeyOrder(keys: string[]): string[] {
  const sorted = keys.sort();
  if (!sorted.some((k) => INDEX_KEY.test(k) && Number(k) < 4294967295)) return sorted;
  const idx = sorted.filter((k) => INDEX_KEY.test(k) && Number(k) < 4294967295).sort((a, b) => Number(a) - Number(b));
  return [...idx, ...sorted.filter((k) => !(INDEX_KEY.test(k) && Number(k) < 4294967295))];
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

