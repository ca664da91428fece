import { readBase64 } from '../base64-bytes.js';
import { isJsonObject, jsonEqual, type JsonObject, type ReadonlyKubeObject } from '../object.js';
import { fieldError, type FieldError } from './field-error.js';
import type { Collector } from './values.js';

/**
 * ConfigMap and Secret checks, as pkg/apis/core/validation (ValidateConfigMap, ValidateSecret and their updates)
 * makes them. The values' types and base64 were checked when the body was decoded (undecodableData), so here a
 * Secret's data values are valid base64 texts.
 */

/** core.MaxSecretSize: a ConfigMap's or a Secret's payload, in bytes. */
export const MAX_DATA_BYTES = 1024 * 1024;

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** validation.IsConfigMapKey: what a key of data, binaryData or stringData may be. */
export function configMapKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!CONFIG_KEY.test(key)) {
    errs.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

const entries = (v: unknown): [string, unknown][] => (isJsonObject(v) ? Object.entries(v) : []);

/** UTF-8 bytes of a string value (Go's len on a string). */
const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Decoded bytes of a base64 value (checked at decode: anything else counts 0). */
const base64Length = (v: unknown): number => {
  if (typeof v !== 'string') return 0;
  const r = readBase64(v);
  return r.ok ? r.bytes : 0;
};

export function validateConfigMap(c: Collector, obj: JsonObject): void {
  const data = obj['data'];
  const binary = obj['binaryData'];
  const binaryKeys = new Set(entries(binary).map(([k]) => k));
  let total = 0;
  for (const [key, value] of entries(data)) {
    for (const m of configMapKeyErrors(key)) c.add(fieldError.invalid(`data[${key}]`, key, m));
    if (binaryKeys.has(key)) c.add(fieldError.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    total += typeof value === 'string' ? utf8Length(value) : 0;
  }
  for (const [key, value] of entries(binary)) {
    for (const m of configMapKeyErrors(key)) c.add(fieldError.invalid(`binaryData[${key}]`, key, m));
    total += base64Length(value);
  }
  c.bool(obj['immutable'], 'immutable');
  // An empty path: the error is about the whole object.
  if (total > MAX_DATA_BYTES) c.add(fieldError.tooLong('', MAX_DATA_BYTES));
}

/** Keys each built-in Secret type requires (core.SecretType* and their key constants). */
const TLS_KEYS = ['tls.crt', 'tls.key'] as const;

export function validateSecret(c: Collector, obj: JsonObject): void {
  const data = obj['data'];
  let total = 0;
  for (const [key, value] of entries(data)) {
    for (const m of configMapKeyErrors(key)) c.add(fieldError.invalid(`data[${key}]`, key, m));
    total += base64Length(value);
  }
  if (total > MAX_DATA_BYTES) c.add(fieldError.tooLong('data', MAX_DATA_BYTES));
  c.bool(obj['immutable'], 'immutable');
  const has = (k: string): boolean => isJsonObject(data) && data[k] !== undefined;
  const type = c.str(obj['type'], 'type') ?? '';
  switch (type) {
    case 'kubernetes.io/service-account-token': {
      const md = obj['metadata'];
      const ann = isJsonObject(md) ? md['annotations'] : undefined;
      const sa = isJsonObject(ann) ? ann['kubernetes.io/service-account.name'] : undefined;
      if (typeof sa !== 'string' || sa === '') c.add(fieldError.required('metadata.annotations[kubernetes.io/service-account.name]'));
      break;
    }
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(key)) {
        c.add(fieldError.required(`data[${key}]`));
        break;
      }
      const bad = dockerConfigError(isJsonObject(data) ? data[key] : undefined);
      if (bad !== undefined) c.add(fieldError.invalid(`data[${key}]`, '<secret contents redacted>', bad));
      break;
    }
    case 'kubernetes.io/basic-auth':
      // Either may be empty, but one of the two keys must be there.
      if (!has('username') && !has('password')) {
        c.add(fieldError.required('data[username]'));
        c.add(fieldError.required('data[password]'));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (base64Length(isJsonObject(data) ? data['ssh-privatekey'] : undefined) === 0) c.add(fieldError.required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      for (const k of TLS_KEYS) if (!has(k)) c.add(fieldError.required(`data[${k}]`));
      break;
    default:
      // Opaque and any other type: no required keys.
      break;
  }
}

/**
 * Whether a docker config payload is a JSON object, as json.Unmarshal into a map checks it. The message is Go's
 * for the common cases (empty, not JSON, not an object); other syntax errors are worded by JSON.parse.
 */
function dockerConfigError(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const text = Buffer.from(v, 'base64').toString('utf8');
  if (text.trim() === '') return 'unexpected end of JSON input';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    const first = text.trimStart()[0] ?? '';
    if (!'{["-0123456789tfn'.includes(first)) return `invalid character '${first}' looking for beginning of value`;
    return e instanceof Error ? e.message : String(e);
  }
  if (isJsonObject(parsed) || parsed === null) return undefined;
  const kind = Array.isArray(parsed) ? 'array' : typeof parsed === 'string' ? 'string' : typeof parsed === 'number' ? 'number' : 'bool';
  return `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

const IMMUTABLE_SET = 'field is immutable when `immutable` is set';

/** ValidateConfigMapUpdate / ValidateSecretUpdate: once `immutable: true`, the payload and the flag stay. */
export function validateImmutablePayload(kind: 'ConfigMap' | 'Secret', obj: ReadonlyKubeObject, old: ReadonlyKubeObject): FieldError[] {
  if (old['immutable'] !== true) return [];
  const errs: FieldError[] = [];
  if (obj['immutable'] !== true) errs.push(fieldError.forbidden('immutable', IMMUTABLE_SET));
  const fields = kind === 'ConfigMap' ? ['data', 'binaryData'] : ['data'];
  for (const f of fields) {
    // An absent map and an empty one are the same to Go's reflect.DeepEqual only when both are nil; a decoded
    // empty JSON object is an empty, non-nil map. Compare as stored.
    if (!jsonEqual(obj[f], old[f])) errs.push(fieldError.forbidden(f, IMMUTABLE_SET));
  }
  return errs;
}

/** The string-keyed maps of each kind and their values' Go type: text, or bytes sent as base64. */
const TYPED_MAPS: Readonly<Record<string, readonly (readonly [string, 'string' | 'bytes'])[]>> = {
  ConfigMap: [['data', 'string'], ['binaryData', 'bytes']],
  Secret: [['data', 'bytes'], ['stringData', 'string']],
};

/**
 * The decoding step's complaint about a ConfigMap's or Secret's maps, as the real server's JSON decoder words it
 * ("illegal base64 data at input byte 3", "json: cannot unmarshal number into Go struct field …"), or undefined.
 * The caller refuses the body with 400 "<Kind> in version "v1" cannot be handled as a <Kind>: <this>".
 */
export function undecodableData(kind: string, body: JsonObject): string | undefined {
  const maps = TYPED_MAPS[kind];
  if (maps === undefined) return undefined;
  for (const [field, type] of maps) {
    const m = body[field];
    if (m === undefined || m === null) continue;
    const goType = type === 'string' ? 'string' : '[]uint8';
    if (!isJsonObject(m)) return `json: cannot unmarshal ${jsonKind(m)} into Go struct field ${kind}.${field} of type map[string]${goType}`;
    for (const v of Object.values(m)) {
      if (v === null) continue;
      if (typeof v !== 'string') return `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${kind}.${field} of type ${goType}`;
      if (type === 'bytes') {
        const r = readBase64(v);
        if (!r.ok) return r.error;
      }
    }
  }
  return undefined;
}

function jsonKind(v: unknown): string {
  return Array.isArray(v) ? 'array' : typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : 'object';
}
