import { isJsonObject, type JsonObject } from '../object.js';
import { fieldError, type FieldError } from './field-error.js';

/**
 * Typed reads of untyped input that record a FieldError when the JSON type is wrong, so a body such
 * as `{"spec":{"replicas":"3"}}` is refused with the field named instead of crashing later.
 */
export class Collector {
  readonly errors: FieldError[] = [];

  add(...e: FieldError[]): void {
    this.errors.push(...e);
  }

  str(v: unknown, field: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    this.add(fieldError.invalid(field, v, 'must be of type string'));
    return undefined;
  }

  int(v: unknown, field: string): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    this.add(fieldError.invalid(field, v, 'must be of type integer'));
    return undefined;
  }

  bool(v: unknown, field: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    this.add(fieldError.invalid(field, v, 'must be of type boolean'));
    return undefined;
  }

  obj(v: unknown, field: string): JsonObject | undefined {
    if (v === undefined || v === null) return undefined;
    if (isJsonObject(v)) return v;
    this.add(fieldError.invalid(field, v, 'must be of type object'));
    return undefined;
  }

  arr(v: unknown, field: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    this.add(fieldError.invalid(field, v, 'must be of type array'));
    return [];
  }

  /** A map of strings (labels, annotations, selectors). */
  strMap(v: unknown, field: string): Record<string, string> {
    const o = this.obj(v, field);
    const out: Record<string, string> = {};
    if (o === undefined) return out;
    for (const [k, x] of Object.entries(o)) {
      const s = this.str(x, `${field}[${k}]`);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }

  /** Checks a value against a list of messages produced by a syntax check (names.ts). */
  syntax(field: string, value: string, messages: readonly string[]): void {
    for (const m of messages) this.add(fieldError.invalid(field, value, m));
  }
}

/** An int-or-string (targetPort, maxSurge): returns the raw value after checking its type. */
export function intOrString(c: Collector, v: unknown, field: string): number | string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) return v;
  c.add(fieldError.invalid(field, v, 'must be an integer or a string'));
  return undefined;
}
