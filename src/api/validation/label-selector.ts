import { fieldError } from './field-error.js';
import { validateLabels } from './meta.js';
import { labelValue, qualifiedName } from './names.js';
import type { Collector } from './values.js';

/**
 * apimachinery's ValidateLabelSelector (meta/v1/validation): matchLabels as labels, and each matchExpressions
 * requirement checked for its operator's values, its key and its values. A null selector is valid (it selects
 * nothing); what a selector means is label-selector.ts's business.
 */
export function validateLabelSelector(c: Collector, v: unknown, field: string): void {
  const sel = c.obj(v, field);
  if (sel === undefined) return;
  validateLabels(c, sel['matchLabels'], `${field}.matchLabels`);
  c.arr(sel['matchExpressions'], `${field}.matchExpressions`).forEach((raw, i) => {
    validateRequirement(c, raw, `${field}.matchExpressions[${i}]`, { gtLt: false, checkValues: true });
  });
}

/**
 * One requirement of a label selector (ValidateLabelSelectorRequirement) or of a node selector term
 * (ValidateNodeSelectorRequirement, `gtLt`: it also takes Gt and Lt with a single value): the operator's values,
 * the key, and, with `checkValues`, each value as a label value.
 */
export function validateRequirement(c: Collector, raw: unknown, f: string, opts: { readonly gtLt: boolean; readonly checkValues: boolean }): void {
  const req = c.obj(raw, f);
  if (req === undefined) return;
  const op = c.str(req['operator'], `${f}.operator`) ?? '';
  const values = c.arr(req['values'], `${f}.values`);
  if (op === 'In' || op === 'NotIn') {
    if (values.length === 0) c.add(fieldError.required(`${f}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (op === 'Exists' || op === 'DoesNotExist') {
    if (values.length > 0) c.add(fieldError.forbidden(`${f}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else if (opts.gtLt && (op === 'Gt' || op === 'Lt')) {
    if (values.length !== 1) c.add(fieldError.required(`${f}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
  } else {
    c.add(fieldError.invalid(`${f}.operator`, op, 'not a valid selector operator'));
  }
  validateLabelName(c, req['key'], `${f}.key`);
  if (!opts.checkValues) return;
  values.forEach((x, j) => {
    const s = c.str(x, `${f}.values[${j}]`);
    if (s !== undefined) c.syntax(`${f}.values[${j}]`, s, labelValue(s));
  });
}

/** ValidateLabelName: a qualified name (an absent key is the empty string, which is refused as one). */
export function validateLabelName(c: Collector, v: unknown, field: string): void {
  const s = c.str(v, field) ?? (v === undefined || v === null ? '' : undefined);
  if (s !== undefined) c.syntax(field, s, qualifiedName(s));
}
