import { isJsonObject, jsonEqual, type JsonObject } from '../../api/index.js';
import { apiErrors } from '../errors.js';
import { fieldSchema, type PatchSchema } from './schema.js';

/**
 * Strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch), the patch `kubectl apply`
 * (client side), `kubectl patch`, `cordon` and `edit` send for built-in types. Implements the parts
 * kubectl's three-way patches use: merge-keyed lists, set-like primitive lists, null deletes, and the
 * directives `$patch` (merge/replace/delete), `$retainKeys`, `$setElementOrder/<field>` and
 * `$deleteFromPrimitiveList/<field>`.
 */
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

export function strategicMergePatch(original: unknown, patch: unknown, schema: PatchSchema | undefined): unknown {
  if (!isJsonObject(patch)) throw apiErrors.badRequest('a strategic merge patch must be a JSON object');
  const r = mergeMap(isJsonObject(original) ? original : {}, patch, schema);
  return r ?? {};
}

function mergeMap(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined): JsonObject | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch, schema) as JsonObject;
  if (directive !== undefined && directive !== 'merge') throw apiErrors.badRequest(`unknown patch directive "${String(directive)}"`);
  const out: JsonObject = { ...original };
  const orders = new Map<string, unknown[]>();
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith(SET_ORDER)) {
      if (Array.isArray(v)) orders.set(k.slice(SET_ORDER.length), v);
      continue;
    }
    if (k.startsWith(DELETE_PRIMITIVE)) {
      const field = k.slice(DELETE_PRIMITIVE.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.some((d) => jsonEqual(d, x)));
      continue;
    }
    const child = fieldSchema(schema, k);
    if (v === null) {
      delete out[k];
    } else if (isJsonObject(v)) {
      const merged = mergeMap(isJsonObject(out[k]) ? (out[k] as JsonObject) : {}, v, child);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else if (Array.isArray(v)) {
      out[k] = mergeList(Array.isArray(out[k]) ? (out[k] as unknown[]) : [], v, child);
    } else {
      out[k] = v;
    }
  }
  for (const [field, order] of orders) {
    const cur = out[field];
    if (Array.isArray(cur)) out[field] = applyOrder(cur, order, fieldSchema(schema, field));
  }
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain) && schema?.t === 'map' && schema.retainKeys === true) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function mergeList(original: unknown[], patch: unknown[], schema: PatchSchema | undefined): unknown[] {
  if (schema?.t === 'set') {
    const out = [...original];
    for (const v of patch) if (!out.some((x) => jsonEqual(x, v))) out.push(v);
    return out;
  }
  if (schema?.t !== 'list') return stripDirectives(patch, schema) as unknown[];
  if (patch.some((p) => isJsonObject(p) && p['$patch'] === 'replace')) {
    return patch.filter((p) => !(isJsonObject(p) && p['$patch'] === 'replace')).map((p) => stripDirectives(p, schema.item));
  }
  const key = schema.mergeKey;
  const out: unknown[] = original.map((x) => x);
  for (const p of patch) {
    if (!isJsonObject(p)) {
      out.push(p);
      continue;
    }
    if (!(key in p)) throw apiErrors.badRequest(`map: ${JSON.stringify(p)} does not contain declared merge key: ${key}`);
    const idx = out.findIndex((o) => isJsonObject(o) && jsonEqual(o[key], p[key]));
    if (p['$patch'] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(out[idx] as JsonObject, p, schema.item);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      const fresh = mergeMap({}, p, schema.item);
      if (fresh !== undefined) out.push(fresh);
    }
  }
  return out;
}

/** Orders a list as `$setElementOrder` lists it; elements it does not name (server-only) follow in their order. */
function applyOrder(list: unknown[], order: unknown[], schema: PatchSchema | undefined): unknown[] {
  const keyOf = (x: unknown): unknown => (schema?.t === 'list' && isJsonObject(x) ? x[schema.mergeKey] : x);
  const orderKeys = order.map(keyOf);
  const pos = (x: unknown): number => orderKeys.findIndex((k) => jsonEqual(k, keyOf(x)));
  const named = list.filter((x) => pos(x) >= 0).sort((a, b) => pos(a) - pos(b));
  const rest = list.filter((x) => pos(x) < 0);
  return [...named, ...rest];
}

/** A patch value added where nothing was: directives removed, deleted list items dropped. */
function stripDirectives(v: unknown, schema: PatchSchema | undefined): unknown {
  if (Array.isArray(v)) {
    const item = schema?.t === 'list' ? schema.item : undefined;
    return v.filter((x) => !(isJsonObject(x) && x['$patch'] === 'delete')).map((x) => stripDirectives(x, item));
  }
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    if (x === null) continue;
    out[k] = stripDirectives(x, fieldSchema(schema, k));
  }
  return out;
}
