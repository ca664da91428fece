import type { CapabilityArgs, JsonValue, PluginConfObject } from '../spec/config-types.js';
import type { CniResult } from '../spec/result-types.js';
import { encodeResult } from '../spec/result.js';

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
  const out: Record<string, unknown> = { ...plugin, name: p.name, cniVersion: p.cniVersion };
  if (p.prevResult !== undefined) out['prevResult'] = JSON.parse(encodeResult(p.prevResult, { indent: 0 })) as unknown;
  const rc = runtimeConfigFor(plugin, p.capabilityArgs);
  if (Object.keys(rc).length > 0) out['runtimeConfig'] = rc;
  if (p.stripCapabilities === true) delete out['capabilities'];
  for (const [k, v] of Object.entries(p.inject ?? {})) out[k] = v;
  return JSON.stringify(sortKeys(out));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k])]));
}
