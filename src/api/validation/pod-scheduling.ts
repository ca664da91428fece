import { fieldError } from './field-error.js';
import { validateLabelName, validateLabelSelector, validateRequirement } from './label-selector.js';
import { validateLabels } from './meta.js';
import { dns1123Label, dns1123Subdomain, labelValue } from './names.js';
import type { Collector } from './values.js';

/**
 * The pod spec fields the scheduler reads, checked as pkg/apis/core/validation's ValidatePodSpec checks them
 * (nodeSelector, affinity and topologySpreadConstraints here, tolerations in validateTolerations: the server
 * checks them later, after nodeName), with the real server's paths and words. Without these a selector the API
 * server refuses (an `In` with no values, an unknown operator) would reach the scheduler, as no real cluster lets it.
 */
export function validatePodPlacement(c: Collector, spec: Record<string, unknown>, field: string): void {
  validateLabels(c, spec['nodeSelector'], `${field}.nodeSelector`);
  validateAffinity(c, spec['affinity'], `${field}.affinity`);
  validateTopologySpread(c, spec['topologySpreadConstraints'], `${field}.topologySpreadConstraints`);
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
const WHEN_UNSATISFIABLE = ['DoNotSchedule', 'ScheduleAnyway'] as const;
const INCLUSION_POLICIES = ['Honor', 'Ignore'] as const;

function validateAffinity(c: Collector, v: unknown, field: string): void {
  const aff = c.obj(v, field);
  if (aff === undefined) return;
  const node = c.obj(aff['nodeAffinity'], `${field}.nodeAffinity`);
  if (node !== undefined) {
    const f = `${field}.nodeAffinity`;
    const required = c.obj(node['requiredDuringSchedulingIgnoredDuringExecution'], `${f}.requiredDuringSchedulingIgnoredDuringExecution`);
    if (required !== undefined) {
      const tf = `${f}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
      const terms = c.arr(required['nodeSelectorTerms'], tf);
      if (terms.length === 0) c.add(fieldError.required(tf, 'must have at least one node selector term'));
      terms.forEach((t, i) => validateNodeSelectorTerm(c, t, `${tf}[${i}]`, true));
    }
    c.arr(node['preferredDuringSchedulingIgnoredDuringExecution'], `${f}.preferredDuringSchedulingIgnoredDuringExecution`).forEach((raw, i) => {
      const pf = `${f}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      const term = c.obj(raw, pf);
      if (term === undefined) return;
      validateWeight(c, term['weight'], `${pf}.weight`);
      validateNodeSelectorTerm(c, term['preference'], `${pf}.preference`, false);
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = c.obj(aff[kind], `${field}.${kind}`);
    if (pa === undefined) continue;
    const f = `${field}.${kind}`;
    c.arr(pa['requiredDuringSchedulingIgnoredDuringExecution'], `${f}.requiredDuringSchedulingIgnoredDuringExecution`).forEach((t, i) =>
      validatePodAffinityTerm(c, t, `${f}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`),
    );
    c.arr(pa['preferredDuringSchedulingIgnoredDuringExecution'], `${f}.preferredDuringSchedulingIgnoredDuringExecution`).forEach((raw, i) => {
      const wf = `${f}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      const w = c.obj(raw, wf);
      if (w === undefined) return;
      validateWeight(c, w['weight'], `${wf}.weight`);
      validatePodAffinityTerm(c, w['podAffinityTerm'], `${wf}.podAffinityTerm`);
    });
  }
}

function validateWeight(c: Collector, v: unknown, field: string): void {
  const w = c.int(v, field) ?? (v === undefined || v === null ? 0 : undefined);
  if (w !== undefined && (w <= 0 || w > 100)) c.add(fieldError.invalid(field, w, 'must be in the range 1-100'));
}

/**
 * ValidateNodeSelectorTerm. Values of a required term's expressions must be label values (a value no label can
 * hold would never match); the server does not check a preferred term's values.
 */
function validateNodeSelectorTerm(c: Collector, v: unknown, field: string, checkValues: boolean): void {
  const term = c.obj(v, field);
  if (term === undefined) return;
  c.arr(term['matchExpressions'], `${field}.matchExpressions`).forEach((raw, j) => {
    validateRequirement(c, raw, `${field}.matchExpressions[${j}]`, { gtLt: true, checkValues });
  });
  c.arr(term['matchFields'], `${field}.matchFields`).forEach((raw, j) => {
    const f = `${field}.matchFields[${j}]`;
    const req = c.obj(raw, f);
    if (req === undefined) return;
    const op = c.str(req['operator'], `${f}.operator`) ?? '';
    const values = c.arr(req['values'], `${f}.values`);
    if (op === 'In' || op === 'NotIn') {
      if (values.length !== 1) c.add(fieldError.required(`${f}.values`, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    } else {
      c.add(fieldError.invalid(`${f}.operator`, op, 'not a valid selector operator'));
    }
    // metadata.name is the one field a node field selector may name; its values are node names.
    const key = c.str(req['key'], `${f}.key`) ?? '';
    if (key !== 'metadata.name') {
      c.add(fieldError.invalid(`${f}.key`, key, 'not a valid field selector key'));
      return;
    }
    values.forEach((x, k) => {
      const s = c.str(x, `${f}.values[${k}]`);
      if (s !== undefined) c.syntax(`${f}.values[${k}]`, s, dns1123Subdomain(s));
    });
  });
}

/** validatePodAffinityTerm: its selectors, namespaces, match/mismatchLabelKeys and topologyKey. */
function validatePodAffinityTerm(c: Collector, v: unknown, field: string): void {
  const term = c.obj(v, field);
  if (term === undefined) return;
  validateLabelSelector(c, term['labelSelector'], `${field}.labelSelector`);
  validateLabelSelector(c, term['namespaceSelector'], `${field}.namespaceSelector`);
  c.arr(term['namespaces'], `${field}.namespaces`).forEach((x, i) => {
    const ns = c.str(x, `${field}.namespaces[${i}]`);
    // The server names the field "namespace" here, not namespaces[i].
    if (ns !== undefined) c.syntax(`${field}.namespace`, ns, dns1123Label(ns));
  });
  const selector = c.obj(term['labelSelector'], `${field}.labelSelector`);
  const matchKeys = strings(c, term['matchLabelKeys'], `${field}.matchLabelKeys`);
  const mismatchKeys = strings(c, term['mismatchLabelKeys'], `${field}.mismatchLabelKeys`);
  labelKeys(c, matchKeys, `${field}.matchLabelKeys`, selector);
  labelKeys(c, mismatchKeys, `${field}.mismatchLabelKeys`, selector);
  if (selector !== undefined) {
    // A matchLabelKeys key the selector already names, in matchLabels and in an expression (the server's own
    // condition, as it stands: it looks for the key among the expressions, having first collected matchLabels).
    const inLabels = new Set(Object.keys(c.strMap(selector['matchLabels'], `${field}.labelSelector.matchLabels`)));
    for (const raw of c.arr(selector['matchExpressions'], `${field}.labelSelector.matchExpressions`)) {
      const key = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['key'] : undefined;
      if (typeof key !== 'string') continue;
      const i = matchKeys.indexOf(key);
      if (i >= 0 && inLabels.has(key)) c.add(fieldError.invalid(`${field}[${i}]`, key, 'exists in both matchLabelKeys and labelSelector'));
      inLabels.add(key);
    }
  }
  const mismatch = new Set(mismatchKeys);
  matchKeys.forEach((k, i) => {
    if (mismatch.has(k)) c.add(fieldError.invalid(`${field}.matchLabelKeys[${i}]`, k, 'exists in both matchLabelKeys and mismatchLabelKeys'));
  });
  const topologyKey = c.str(term['topologyKey'], `${field}.topologyKey`) ?? '';
  if (topologyKey === '') c.add(fieldError.required(`${field}.topologyKey`, 'can not be empty'));
  validateLabelName(c, topologyKey, `${field}.topologyKey`);
}

function strings(c: Collector, v: unknown, field: string): string[] {
  const out: string[] = [];
  c.arr(v, field).forEach((x, i) => {
    const s = c.str(x, `${field}[${i}]`);
    if (s !== undefined) out.push(s);
  });
  return out;
}

/** validateLabelKeys: label names, and only beside a labelSelector. */
function labelKeys(c: Collector, keys: readonly string[], field: string, selector: unknown): void {
  if (keys.length === 0) return;
  if (selector === undefined) {
    c.add(fieldError.forbidden(field, 'must not be specified when labelSelector is not set'));
    return;
  }
  keys.forEach((k, i) => validateLabelName(c, k, `${field}[${i}]`));
}

/** ValidateTolerations. */
export function validateTolerations(c: Collector, v: unknown, field: string): void {
  c.arr(v, field).forEach((raw, i) => {
    const f = `${field}[${i}]`;
    const t = c.obj(raw, f);
    if (t === undefined) return;
    const key = c.str(t['key'], `${f}.key`) ?? '';
    const op = c.str(t['operator'], `${f}.operator`) ?? '';
    const value = c.str(t['value'], `${f}.value`) ?? '';
    const effect = c.str(t['effect'], `${f}.effect`) ?? '';
    const seconds = c.int(t['tolerationSeconds'], `${f}.tolerationSeconds`);
    if (key !== '') validateLabelName(c, key, `${f}.key`);
    if (key === '' && op !== 'Exists') {
      c.add(fieldError.invalid(`${f}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (seconds !== undefined && effect !== 'NoExecute') {
      c.add(fieldError.invalid(`${f}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (op === 'Equal' || op === '') {
      const errs = labelValue(value);
      if (errs.length > 0) c.add(fieldError.invalid(`${f}.operator`, value, errs.join(';')));
    } else if (op === 'Exists') {
      // Go prints the whole toleration (%#v of core.Toleration); a set tolerationSeconds is a pointer it prints as an address.
      const secs = seconds === undefined ? '(*int64)(nil)' : '(*int64)(0xc000000000)';
      const shown = `core.Toleration{Key:${JSON.stringify(key)}, Operator:"Exists", Value:${JSON.stringify(value)}, Effect:${JSON.stringify(effect)}, TolerationSeconds:${secs}}`;
      if (value !== '') c.add(fieldError.invalidShown(`${f}.operator`, shown, "value must be empty when `operator` is 'Exists'"));
    } else {
      c.add(fieldError.notSupported(`${f}.operator`, op, ['Equal', 'Exists']));
    }
    if (effect !== '' && !(TAINT_EFFECTS as readonly string[]).includes(effect)) c.add(fieldError.notSupported(`${f}.effect`, effect, TAINT_EFFECTS));
  });
}

/** validateTopologySpreadConstraints. */
function validateTopologySpread(c: Collector, v: unknown, field: string): void {
  const list = c.arr(v, field);
  const pairs = list.map((raw) => {
    const o = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    return `${String(o['topologyKey'] ?? '')}\u0000${String(o['whenUnsatisfiable'] ?? '')}`;
  });
  list.forEach((raw, i) => {
    const f = `${field}[${i}]`;
    const tsc = c.obj(raw, f);
    if (tsc === undefined) return;
    const maxSkew = c.int(tsc['maxSkew'], `${f}.maxSkew`) ?? (tsc['maxSkew'] === undefined || tsc['maxSkew'] === null ? 0 : undefined);
    if (maxSkew !== undefined && maxSkew <= 0) c.add(fieldError.invalid(`${f}.maxSkew`, maxSkew, 'must be greater than zero'));
    const topologyKey = c.str(tsc['topologyKey'], `${f}.topologyKey`) ?? '';
    if (topologyKey === '') c.add(fieldError.required(`${f}.topologyKey`, 'can not be empty'));
    const when = c.str(tsc['whenUnsatisfiable'], `${f}.whenUnsatisfiable`) ?? '';
    if (!(WHEN_UNSATISFIABLE as readonly string[]).includes(when)) c.add(fieldError.notSupported(`${f}.whenUnsatisfiable`, when, WHEN_UNSATISFIABLE));
    if (pairs.indexOf(pairs[i] ?? '', i + 1) > i) c.add(fieldError.duplicate(`${f}.{topologyKey, whenUnsatisfiable}`, `{${topologyKey}, ${when}}`));
    const minDomains = c.int(tsc['minDomains'], `${f}.minDomains`);
    if (minDomains !== undefined) {
      if (minDomains <= 0) c.add(fieldError.invalid(`${f}.minDomains`, minDomains, 'must be greater than zero'));
      if (when !== 'DoNotSchedule') c.add(fieldError.invalid(`${f}.minDomains`, minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${when}`));
    }
    for (const p of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
      const policy = c.str(tsc[p], `${f}.${p}`);
      if (policy !== undefined && !(INCLUSION_POLICIES as readonly string[]).includes(policy)) c.add(fieldError.notSupported(`${f}.${p}`, policy, INCLUSION_POLICIES));
    }
    const selector = c.obj(tsc['labelSelector'], `${f}.labelSelector`);
    const keys = strings(c, tsc['matchLabelKeys'], `${f}.matchLabelKeys`);
    if (keys.length > 0) {
      const named = new Set<string>();
      if (selector === undefined) c.add(fieldError.forbidden(`${f}.matchLabelKeys`, 'must not be specified when labelSelector is not set'));
      else {
        for (const k of Object.keys(c.strMap(selector['matchLabels'], `${f}.labelSelector.matchLabels`))) named.add(k);
        for (const raw of c.arr(selector['matchExpressions'], `${f}.labelSelector.matchExpressions`)) {
          const k = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['key'] : undefined;
          if (typeof k === 'string') named.add(k);
        }
      }
      keys.forEach((k, j) => {
        validateLabelName(c, k, `${f}.matchLabelKeys[${j}]`);
        if (named.has(k)) c.add(fieldError.invalid(`${f}.matchLabelKeys[${j}]`, k, 'exists in both matchLabelKeys and labelSelector'));
      });
    }
    validateLabelSelector(c, tsc['labelSelector'], `${f}.labelSelector`);
  });
}
