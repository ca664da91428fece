import { isJsonObject, jsonEqual, type JsonObject } from '../../api/index.js';
import { fieldSchema, type PatchSchema } from './schema.js';

/**
 * Server-side apply (`kubectl apply --server-side`, content type application/apply-patch+yaml),
 * approximated: the applied configuration is merged into the live object, maps key by key and
 * keyed lists item by item (the same keys as the listType=map markers), other values replaced.
 * kubewire keeps no managedFields, so there is no conflict detection between field managers and a
 * field dropped from the configuration is not removed from the live object.
 */
export function serverSideApplyMerge(live: unknown, config: unknown, schema: PatchSchema | undefined): unknown {
  if (isJsonObject(config)) {
    const out: JsonObject = isJsonObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(config)) {
      if (v === null || v === undefined) continue;
      out[k] = serverSideApplyMerge(out[k], v, fieldSchema(schema, k));
    }
    return out;
  }
  if (Array.isArray(config)) {
    if (schema?.t === 'list' && Array.isArray(live)) {
      const key = schema.mergeKey;
      const out = [...live];
      for (const item of config) {
        const idx = isJsonObject(item) ? out.findIndex((o) => isJsonObject(o) && jsonEqual(o[key], item[key])) : -1;
        if (idx >= 0) out[idx] = serverSideApplyMerge(out[idx], item, schema.item);
        else out.push(structuredClone(item));
      }
      return out;
    }
    if (schema?.t === 'set' && Array.isArray(live)) {
      const out = [...live];
      for (const v of config) if (!out.some((x) => jsonEqual(x, v))) out.push(v);
      return out;
    }
    return structuredClone(config);
  }
  return config;
}
