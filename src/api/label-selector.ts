import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { InputError } from '../lib/index.js';
import { labelValue, qualifiedName } from './validation/names.js';

/**
 * Label selectors as k8s.io/apimachinery/pkg/labels implements them: the string syntax kubectl's
 * `-l` and the `labelSelector` query parameter use, and the LabelSelector object of Deployments.
 */
export type SelectorOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  /** Sorted; one value for = and !=, none for exists / !, one integer for gt / lt. */
  readonly values: readonly string[];
}

/** A conjunction of requirements; `null` means the selector that selects nothing (a nil LabelSelector). */
export type Selector = readonly Requirement[] | null;

export type Labels = Readonly<Record<string, string>>;

const ERR = 'KW_API_INVALID_SELECTOR';

export function matchesRequirement(r: Requirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case '=':
    case 'in':
      return v !== undefined && r.values.includes(v);
    case '!=':
    case 'notin':
      // A missing label satisfies a negative requirement (labels/selector.go: NotIn / NotEquals).
      return v === undefined || !r.values.includes(v);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (v === undefined || !/^-?\d+$/.test(v)) return false;
      const lv = Number(v);
      const rv = Number(r.values[0]);
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

export function matchesSelector(sel: Selector, labels: Labels | undefined): boolean {
  if (sel === null) return false;
  const l = labels ?? {};
  return sel.every((r) => matchesRequirement(r, l));
}

function checkKey(key: string, where: string): void {
  const errs = qualifiedName(key);
  if (errs.length > 0) throw new InputError(ERR, `invalid label key "${key}": ${errs.join('; ')}`, { where });
}

function checkValue(value: string, where: string): void {
  const errs = labelValue(value);
  if (errs.length > 0) throw new InputError(ERR, `invalid label value: "${value}": ${errs.join('; ')}`, { where });
}

export function requirement(key: string, operator: SelectorOperator, values: readonly string[], where = 'selector'): Requirement {
  checkKey(key, where);
  switch (operator) {
    case '=':
    case '!=':
      if (values.length !== 1) throw new InputError(ERR, `for '${operator}' operator, exactly one value is required`, { where });
      break;
    case 'in':
    case 'notin':
      if (values.length === 0) throw new InputError(ERR, `for 'in', 'notin' operators, values set can't be empty`, { where });
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) throw new InputError(ERR, `values set must be empty for exists and does not exist`, { where });
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1 || !/^-?\d+$/.test(values[0] ?? '')) {
        throw new InputError(ERR, `for 'Gt', 'Lt' operators, exactly one integer value is required`, { where });
      }
      break;
  }
  if (operator !== 'gt' && operator !== 'lt') for (const v of values) checkValue(v, where);
  return { key, operator, values: [...new Set(values)].sort() };
}

type Token =
  | { t: 'id'; v: string }
  | { t: 'op'; v: '=' | '==' | '!=' | '!' | '>' | '<' | '(' | ')' | ',' }
  | { t: 'in' | 'notin' };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '=' && text[i + 1] === '=') {
      out.push({ t: 'op', v: '==' });
      i += 2;
    } else if (c === '!' && text[i + 1] === '=') {
      out.push({ t: 'op', v: '!=' });
      i += 2;
    } else if ('=!><(),'.includes(c)) {
      out.push({ t: 'op', v: c as '=' | '!' | '>' | '<' | '(' | ')' | ',' });
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s=!><(),]/.test(text[j] ?? '')) j++;
      const word = text.slice(i, j);
      out.push(word === 'in' ? { t: 'in' } : word === 'notin' ? { t: 'notin' } : { t: 'id', v: word });
      i = j;
    }
  }
  return out;
}

/** Parses the string syntax: `a=b,c!=d,e in (f,g),h notin (i),j,!k,l>3`. The empty string selects everything. */
export function parseSelector(text: string): Requirement[] {
  const where = `label selector "${text}"`;
  const toks = tokenize(text);
  const reqs: Requirement[] = [];
  let p = 0;
  const peek = (): Token | undefined => toks[p];
  const fail = (why: string): never => {
    throw new InputError(ERR, `unable to parse requirement: ${why}`, { where });
  };
  // Where a value is expected, "in" and "notin" are plain words (Go's parser consumes tokens in its Values context as
  // identifiers): "a=in" selects label a with the value "in".
  const valueAt = (tk: Token | undefined): string | undefined => (tk === undefined ? undefined : tk.t === 'id' ? tk.v : tk.t === 'op' ? undefined : tk.t);
  const ident = (what: string): string => {
    const tk = toks[p++];
    if (tk?.t !== 'id') return fail(`expected ${what}`);
    return tk.v;
  };
  while (p < toks.length) {
    let tk = peek();
    if (tk?.t === 'op' && tk.v === '!') {
      p++;
      reqs.push(requirement(ident('a key after "!"'), '!', [], where));
    } else {
      const key = ident('a key');
      tk = peek();
      if (tk === undefined || (tk.t === 'op' && tk.v === ',')) {
        reqs.push(requirement(key, 'exists', [], where));
      } else if (tk.t === 'in' || tk.t === 'notin') {
        p++;
        const open = toks[p++];
        if (open?.t !== 'op' || open.v !== '(') fail(`expected "(" after "${tk.t}"`);
        const values: string[] = [];
        for (;;) {
          const v = valueAt(toks[p]);
          if (v !== undefined) {
            values.push(v);
            p++;
          } else {
            values.push(''); // "in (a,)" holds an empty value, as the Go lexer reads it
          }
          const sep = toks[p++];
          if (sep?.t === 'op' && sep.v === ')') break;
          if (sep?.t !== 'op' || sep.v !== ',') fail('expected "," or ")" in a value set');
        }
        reqs.push(requirement(key, tk.t, values, where));
      } else if (tk.t === 'op' && (tk.v === '=' || tk.v === '==' || tk.v === '!=' || tk.v === '>' || tk.v === '<')) {
        p++;
        let value = '';
        const nxt = valueAt(peek());
        if (nxt !== undefined) {
          value = nxt;
          p++;
        }
        const op: SelectorOperator = tk.v === '!=' ? '!=' : tk.v === '>' ? 'gt' : tk.v === '<' ? 'lt' : '=';
        reqs.push(requirement(key, op, [value], where));
      } else {
        fail(`unexpected token after key "${key}"`);
      }
    }
    const sep = toks[p];
    if (sep === undefined) break;
    if (sep.t !== 'op' || sep.v !== ',') fail('expected "," between requirements');
    p++;
    if (p >= toks.length) fail('found a trailing ","');
  }
  return reqs;
}

/** Converts a LabelSelector object; `undefined` (a nil selector) selects nothing, `{}` selects everything. */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null, where = 'selector'): Selector {
  if (ls === undefined || ls === null) return null;
  // A stored (deep-frozen) selector converts the same way every time: controllers ask on every sync.
  if (!Object.isFrozen(ls)) return convertLabelSelector(ls, where);
  let sel = converted.get(ls);
  if (sel === undefined) {
    sel = Object.freeze(convertLabelSelector(ls, where));
    converted.set(ls, sel);
  }
  return sel;
}

/** Selectors converted from frozen LabelSelector objects (valid ones only: a failed conversion throws, and again next time). */
const converted = new WeakMap<LabelSelector, readonly Requirement[]>();

function convertLabelSelector(ls: LabelSelector, where: string): Requirement[] {
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push(requirement(k, '=', [v], `${where}.matchLabels`));
  (ls.matchExpressions ?? []).forEach((e, i) => {
    const w = `${where}.matchExpressions[${i}]`;
    const ops: Record<string, SelectorOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };
    const op = ops[e.operator];
    if (op === undefined) throw new InputError(ERR, `"${e.operator}" is not a valid label selector operator`, { where: w });
    reqs.push(requirement(e.key, op, e.values ?? [], w));
  });
  return reqs;
}

/** Selector from a Service's or ReplicationController's map selector (every pair must match). */
export function selectorFromMap(m: Labels | undefined): Requirement[] {
  return Object.entries(m ?? {}).map(([k, v]) => requirement(k, '=', [v]));
}

/** The canonical text, requirements sorted by key, as labels.Selector.String() prints it. */
export function selectorToString(sel: Selector): string {
  if (sel === null) return '<none>';
  return [...sel]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.operator) {
        case '=':
        case '!=':
          return `${r.key}${r.operator}${r.values[0] ?? ''}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${r.values.join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'gt':
          return `${r.key}>${r.values[0] ?? ''}`;
        case 'lt':
          return `${r.key}<${r.values[0] ?? ''}`;
      }
    })
    .join(',');
}
