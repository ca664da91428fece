import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { type Labels, type Requirement, type Selector, requirement, selectorFromLabelSelector } from '../api/index.js';

/** A selector the API server let through but that does not convert selects nothing, rather than failing the cycle. */
export function safeSelector(ls: LabelSelector | undefined): Selector {
  try {
    return selectorFromLabelSelector(ls);
  } catch {
    return null;
  }
}

/**
 * A pod affinity term's or spread constraint's pod selector with matchLabelKeys / mismatchLabelKeys applied (on by
 * default: spread since 1.27, affinity since 1.31): each key's value on the pod itself is ANDed in as
 * `key in (value)` / `key notin (value)`; a key the pod lacks is skipped.
 */
export function termSelector(ls: LabelSelector | undefined, own: Labels, keys: { readonly matchLabelKeys?: readonly string[]; readonly mismatchLabelKeys?: readonly string[] }): Selector {
  const sel = safeSelector(ls);
  if (sel === null) return null;
  const extra: Requirement[] = [];
  for (const k of keys.matchLabelKeys ?? []) if (Object.hasOwn(own, k)) extra.push(requirement(k, 'in', [own[k] ?? '']));
  for (const k of keys.mismatchLabelKeys ?? []) if (Object.hasOwn(own, k)) extra.push(requirement(k, 'notin', [own[k] ?? '']));
  return extra.length === 0 ? sel : [...sel, ...extra];
}
