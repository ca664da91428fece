import { isJsonObject } from '../object.js';
import { fieldError } from './field-error.js';
import { dns1123Label, labelValue, qualifiedName } from './names.js';
import type { Collector } from './values.js';

export type NameCheck = (name: string) => readonly string[];

const TOTAL_ANNOTATION_SIZE = 256 * 1024;
const OWNER_KEYS = ['apiVersion', 'kind', 'name', 'uid'] as const;

/** Labels: qualified-name keys and label values (ValidateLabels in apimachinery's meta validation). */
export function validateLabels(c: Collector, v: unknown, field: string): void {
  // A frozen label map (a stored object's, shared by its successors and by pods made from a template) found
  // valid at this field is valid again: the check is a pure function of the map and the field.
  const frozen = typeof v === 'object' && v !== null && Object.isFrozen(v);
  if (frozen && validLabels.get(v) === field) return;
  const errorsBefore = c.errors.length;
  for (const [k, val] of Object.entries(c.strMap(v, field))) {
    c.syntax(field, k, qualifiedName(k));
    c.syntax(field, val, labelValue(val));
  }
  if (frozen && c.errors.length === errorsBefore) validLabels.set(v, field);
}

const validLabels = new WeakMap<object, string>();

/** The field paths under a metadata path, made once per path (every create validates "metadata"), not per object. */
interface MetaPaths {
  readonly name: string;
  readonly namespace: string;
  readonly labels: string;
  readonly annotations: string;
  readonly ownerReferences: string;
  readonly finalizers: string;
}

const metaPaths = new Map<string, MetaPaths>();

function pathsUnder(path: string): MetaPaths {
  let p = metaPaths.get(path);
  if (p === undefined) {
    p = {
      name: `${path}.name`,
      namespace: `${path}.namespace`,
      labels: `${path}.labels`,
      annotations: `${path}.annotations`,
      ownerReferences: `${path}.ownerReferences`,
      finalizers: `${path}.finalizers`,
    };
    if (metaPaths.size < 64) metaPaths.set(path, p);
  }
  return p;
}

export function validateObjectMeta(
  c: Collector,
  meta: unknown,
  opts: { namespaced: boolean; nameCheck: NameCheck },
  path = 'metadata',
): void {
  const m = c.obj(meta, path);
  const p = pathsUnder(path);
  if (m === undefined) {
    c.add(fieldError.required(p.name, 'name or generateName is required'));
    return;
  }
  const name = c.str(m['name'], p.name);
  if (name === undefined || name === '') {
    c.add(fieldError.required(p.name, 'name or generateName is required'));
  } else {
    c.syntax(p.name, name, opts.nameCheck(name));
  }
  const ns = c.str(m['namespace'], p.namespace);
  if (opts.namespaced) {
    if (ns === undefined || ns === '') c.add(fieldError.required(p.namespace));
    else c.syntax(p.namespace, ns, dns1123Label(ns));
  } else if (ns !== undefined && ns !== '') {
    c.add(fieldError.forbidden(p.namespace, 'not allowed on this type'));
  }
  validateLabels(c, m['labels'], p.labels);
  const ann = c.strMap(m['annotations'], p.annotations);
  let size = 0;
  for (const k in ann) {
    c.syntax(p.annotations, k, qualifiedName(k.toLowerCase()));
    size += k.length + (ann[k] ?? '').length;
  }
  if (size > TOTAL_ANNOTATION_SIZE) {
    c.add({ reason: 'FieldValueTooLong', field: p.annotations, message: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE} bytes` });
  }
  c.arr(m['ownerReferences'], p.ownerReferences).forEach((ref, i) => {
    // Field paths are built only for a reference with something to report (every create carries one).
    if (isJsonObject(ref) && OWNER_KEYS.every((key) => typeof ref[key] === 'string' && ref[key] !== '')) return;
    const f = `${p.ownerReferences}[${i}]`;
    const r = c.obj(ref, f);
    if (r === undefined) return;
    for (const key of OWNER_KEYS) {
      const s = c.str(r[key], `${f}.${key}`);
      if (s === undefined || s === '') c.add(fieldError.invalid(`${f}.${key}`, s ?? '', `${key} must not be empty`));
    }
  });
  c.arr(m['finalizers'], p.finalizers).forEach((fin, i) => {
    const s = c.str(fin, `${p.finalizers}[${i}]`);
    if (s !== undefined) c.syntax(`${p.finalizers}[${i}]`, s, qualifiedName(s));
  });
}

