import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { isCidrText, isIpText } from './ip-text.js';

/** One schema violation, located by a JSON path such as `$.plugins[1].ipam.type`. */
export interface SchemaViolation {
  readonly path: string;
  readonly message: string;
}

let ajvInstance: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function ajv(): Ajv {
  if (ajvInstance === undefined) {
    ajvInstance = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    ajvInstance.addFormat('cni-ip', { type: 'string', validate: isIpText });
    ajvInstance.addFormat('cni-cidr', { type: 'string', validate: isCidrText });
  }
  return ajvInstance;
}

/** Append one key or index to a JSON path, quoting keys that are not identifiers (`$["cni.dev/valid-attachments"]`). */
export function jsonPathJoin(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/** ajv's JSON Pointer (`/plugins/0/type`) as a JSON path (`$.plugins[0].type`). */
export function pointerToJsonPath(pointer: string, root = '$'): string {
  if (pointer === '') return root;
  let out = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out = jsonPathJoin(out, /^(0|[1-9]\d*)$/.test(seg) ? Number(seg) : seg);
  }
  return out;
}

function describe(e: ErrorObject, root: string): SchemaViolation {
  const at = pointerToJsonPath(e.instancePath, root);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path: jsonPathJoin(at, String(p['missingProperty'])), message: 'is required' };
    case 'additionalProperties':
      return { path: jsonPathJoin(at, String(p['additionalProperty'])), message: 'is not a field this CNI document defines' };
    case 'type':
      return { path: at, message: `must be of type ${String(p['type'])}` };
    case 'format':
      return { path: at, message: p['format'] === 'cni-cidr' ? 'must be an IP address in CIDR notation (e.g. "10.1.0.2/24")' : 'must be an IPv4 or IPv6 address' };
    case 'pattern':
      return { path: at, message: `does not match ${String(p['pattern'])}` };
    case 'const':
      return { path: at, message: `must be ${JSON.stringify(p['allowedValue'])}` };
    case 'enum':
      return { path: at, message: `must be one of ${JSON.stringify(p['allowedValues'])}` };
    default:
      return { path: at, message: e.message ?? e.keyword };
  }
}

/**
 * Validate `data` against `schema` and report every violation with its JSON path (allErrors). `key` caches the
 * compiled validator; `schema` may be a function, called only when `key` is not compiled yet (hot callers then
 * build no schema object per call). Violations are sorted by path so output is stable.
 */
export function validateAgainst(key: string, schema: SchemaObject | (() => SchemaObject), data: unknown, root = '$'): SchemaViolation[] {
  const fn = validator(key, schema);
  if (fn(data)) return [];
  const seen = new Set<string>();
  const out: SchemaViolation[] = [];
  for (const e of fn.errors ?? []) {
    const v = describe(e, root);
    const k = `${v.path}\u0000${v.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(v);
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Does `data` conform? The same check as validateAgainst, for hot callers that need no violation list when it does. */
export function conforms(key: string, schema: SchemaObject | (() => SchemaObject), data: unknown): boolean {
  return validator(key, schema)(data);
}

function validator(key: string, schema: SchemaObject | (() => SchemaObject)): ValidateFunction {
  let fn = compiled.get(key);
  if (fn === undefined) {
    fn = ajv().compile(typeof schema === 'function' ? schema() : schema);
    compiled.set(key, fn);
  }
  return fn;
}

export function formatViolations(vs: readonly SchemaViolation[]): string {
  return vs.map((v) => `${v.path} ${v.message}`).join('; ');
}
