import { deepFreeze, isDeepFrozenJson } from '../../lib/index.js';
import type { CapabilityArgs, JsonValue, PluginConfObject } from '../spec/config-types.js';
import type { CniResult } from '../spec/result-types.js';
import { resultJson, sortedResultJson } from '../spec/result-json.js';
import { noteSortedCopy } from '../spec/result.js';
import { DROPPED, jsKeyOrder, sortedClone, sortedJson } from '../spec/sorted-json.js';

export { sortedClone, sortedJson };

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
  const base = pluginValues(plugin);
  if (p.inject === undefined || !hasKeys(p.inject)) {
    // What every ADD/CHECK/DEL asks for: the runtime adds only name, cniVersion, prevResult and runtimeConfig.
    const rc = requestRuntimeConfig(plugin, p.capabilityArgs);
    const hasRc = rc !== undefined;
    const strip = p.stripCapabilities === true;
    const flags = (strip ? 1 : 0) | (p.prevResult === undefined ? 0 : 2) | (hasRc ? 4 : 0);
    let shapes = simpleShapes.get(plugin);
    if (shapes === undefined) simpleShapes.set(plugin, (shapes = []));
    let shape = shapes[flags];
    if (shape === undefined) {
      const extra = new Map<string, unknown>([['name', ''], ['cniVersion', '']]);
      if (p.prevResult !== undefined) extra.set('prevResult', null);
      if (hasRc) extra.set('runtimeConfig', null);
      shapes[flags] = shape = requestShape(plugin, base, extra, strip, []);
    }
    const out: Record<string, unknown> = { ...shape.template };
    out['name'] = p.name;
    out['cniVersion'] = p.cniVersion;
    if (p.prevResult !== undefined) out['prevResult'] = prevResultJson(p.prevResult);
    if (hasRc) out['runtimeConfig'] = rc;
    return out;
  }
  // Set in the order buildRequest sets fields: a later one (an injected key) replaces an earlier one.
  const extra = new Map<string, unknown>();
  extra.set('name', p.name);
  extra.set('cniVersion', p.cniVersion);
  if (p.prevResult !== undefined) extra.set('prevResult', prevResultJson(p.prevResult));
  const rc = runtimeConfigFor(plugin, p.capabilityArgs);
  if (Object.keys(rc).length > 0) extra.set('runtimeConfig', sortedClone(rc));
  const inject = p.inject === undefined ? [] : Object.keys(p.inject);
  let dropped = false;
  for (const k of inject) {
    const v = sortedClone(p.inject?.[k]);
    extra.set(k, v);
    if (v === DROPPED) dropped = true;
  }
  const shape = requestShape(plugin, base, extra, p.stripCapabilities === true, inject);
  if (!dropped) {
    // The plugin's part is laid out once per key set; each request copies it and fills in the runtime's values.
    const out: Record<string, unknown> = { ...shape.template };
    for (const [k, v] of extra) out[k] = v;
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of shape.keys) {
    const v = extra.has(k) ? extra.get(k) : base.get(k);
    if (v !== DROPPED) out[k] = v;
  }
  return out;
}

/** The request's prevResult value (sorted as InjectConf re-marshals it); the plugin's parse of it gives the result back. */
function prevResultJson(r: CniResult): Record<string, unknown> {
  const json = sortedResultJson(r);
  noteSortedCopy(json, r);
  return json;
}

/**
 * The request's runtimeConfig value (what sortedClone(runtimeConfigFor(…)) gives), or undefined when it has no keys.
 * A kubelet hands every pod of its node the same frozen capability args (its podCIDR as ipRanges): for those the value
 * is built once per plugin and shared, deep-frozen, by every request (request values are read, never changed, by
 * plugins; host-local keeps its parsed ranges with it). Capability args that are not frozen are cloned every time.
 */
const runtimeConfigs = new WeakMap<CapabilityArgs, WeakMap<PluginConfObject, Readonly<Record<string, unknown>> | null>>();
function requestRuntimeConfig(plugin: PluginConfObject, capabilityArgs: CapabilityArgs | undefined): Record<string, unknown> | undefined {
  const frozen = capabilityArgs !== undefined && isDeepFrozenJson(capabilityArgs);
  let byPlugin = frozen ? runtimeConfigs.get(capabilityArgs) : undefined;
  const known = byPlugin?.get(plugin);
  if (known !== undefined) return known ?? undefined;
  const rc = runtimeConfigFor(plugin, capabilityArgs);
  const value = hasKeys(rc) ? (sortedClone(rc) as Record<string, unknown>) : undefined;
  if (frozen) {
    if (byPlugin === undefined) runtimeConfigs.set(capabilityArgs, (byPlugin = new WeakMap()));
    byPlugin.set(plugin, value === undefined ? null : deepFreeze(value));
  }
  return value;
}

/**
 * A request's keys in sorted (JS) order: the plugin's own and the runtime's (name, cniVersion, prevResult…), less
 * `capabilities` when stripped (unless injected after), and an object with those keys in that order holding the
 * plugin's values (the runtime's keys hold null until filled in). The same few key sets come back on every run of a
 * loaded plugin: each is laid out once.
 */
interface RequestShape {
  readonly keys: readonly string[];
  readonly template: Readonly<Record<string, unknown>>;
}
const shapeCache = new WeakMap<PluginConfObject, Map<string, RequestShape>>();
/** The shapes of requests without injected keys, by flags: 1 capabilities stripped, 2 prevResult, 4 runtimeConfig. */
const simpleShapes = new WeakMap<PluginConfObject, (RequestShape | undefined)[]>();

function hasKeys(o: object): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return true;
  return false;
}
function requestShape(
  plugin: PluginConfObject, base: ReadonlyMap<string, unknown>, extra: ReadonlyMap<string, unknown>, strip: boolean, inject: readonly string[],
): RequestShape {
  let byExtra = shapeCache.get(plugin);
  if (byExtra === undefined) shapeCache.set(plugin, (byExtra = new Map()));
  let sig = strip ? '-' : '+';
  for (const k of extra.keys()) sig += `\u0000${k}`;
  let shape = byExtra.get(sig);
  if (shape === undefined) {
    const all = new Set([...base.keys(), ...extra.keys()]);
    if (strip && !inject.includes('capabilities')) all.delete('capabilities');
    const keys = jsKeyOrder([...all]);
    const template: Record<string, unknown> = {};
    for (const k of keys) {
      const v = extra.has(k) ? null : base.get(k);
      if (v !== DROPPED) template[k] = v;
    }
    shape = { keys, template };
    if (byExtra.size < 64) byExtra.set(sig, shape);
  }
  return shape;
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
