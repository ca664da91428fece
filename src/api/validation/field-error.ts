/**
 * One validation failure, shaped like k8s.io/apimachinery/pkg/util/validation/field.Error: the
 * reason string becomes a StatusCause's `reason`, the field path its `field`, and body() its `message`.
 */
export type FieldErrorReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueNotFound';

export interface FieldError {
  readonly reason: FieldErrorReason;
  readonly field: string;
  readonly message: string;
}

const DESC: Record<FieldErrorReason, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueNotFound: 'Not found',
};

/** Go prints values with %#v: strings quoted, numbers bare; composite values here as JSON. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'null';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export const fieldError = {
  required: (field: string, detail = ''): FieldError => ({
    reason: 'FieldValueRequired',
    field,
    message: detail === '' ? DESC.FieldValueRequired : `${DESC.FieldValueRequired}: ${detail}`,
  }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({
    reason: 'FieldValueInvalid',
    field,
    message: `${DESC.FieldValueInvalid}: ${showValue(value)}: ${detail}`,
  }),
  /** field.Invalid of a value Go prints with %#v as something other than JSON (a []string, a struct): `shown` is that text. */
  invalidShown: (field: string, shown: string, detail: string): FieldError => ({
    reason: 'FieldValueInvalid',
    field,
    message: `${DESC.FieldValueInvalid}: ${shown}: ${detail}`,
  }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): FieldError => ({
    reason: 'FieldValueNotSupported',
    field,
    message: `${DESC.FieldValueNotSupported}: ${showValue(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({
    reason: 'FieldValueDuplicate',
    field,
    message: `${DESC.FieldValueDuplicate}: ${showValue(value)}`,
  }),
  forbidden: (field: string, detail: string): FieldError => ({
    reason: 'FieldValueForbidden',
    field,
    message: `${DESC.FieldValueForbidden}: ${detail}`,
  }),
  /** field.TooLong: the value itself is not shown (a Secret's data, a ConfigMap's whole payload). */
  tooLong: (field: string, max: number): FieldError => ({
    reason: 'FieldValueTooLong',
    field,
    message: `${DESC.FieldValueTooLong}: must have at most ${max} bytes`,
  }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({
    reason: 'FieldValueTooMany',
    field,
    message: `${DESC.FieldValueTooMany}: ${actual}: must have at most ${max} items`,
  }),
};

/** The full text of one error, "spec.ports[0].port: Invalid value: 0: must be ...", as the Status message lists it. */
export function fieldErrorText(e: FieldError): string {
  return `${e.field}: ${e.message}`;
}
