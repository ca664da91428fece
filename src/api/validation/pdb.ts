import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { isKubewireError } from '../../lib/index.js';
import { selectorFromLabelSelector } from '../label-selector.js';
import { fieldError } from './field-error.js';
import { validateLabels } from './meta.js';
import { Collector } from './values.js';
import { validateIntOrPercent } from './workload.js';

/** The values of spec.unhealthyPodEvictionPolicy (unset behaves as IfHealthyBudget; nothing is defaulted in policy/v1). */
export const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'] as const;

/**
 * ValidatePodDisruptionBudgetSpec (pkg/apis/policy/validation): minAvailable and maxUnavailable are each a
 * non-negative int or a percent up to 100%, never both; the selector (optional: a null one selects no pods, an
 * empty one every pod of the namespace) must parse; the eviction policy is one of two. The spec stays mutable.
 */
export function validatePodDisruptionBudgetSpec(c: Collector, v: unknown): void {
  const spec = c.obj(v, 'spec');
  if (spec === undefined) return;
  const min = spec['minAvailable'];
  const max = spec['maxUnavailable'];
  if (min !== undefined && max !== undefined) c.add(fieldError.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  for (const [field, value] of [['spec.minAvailable', min], ['spec.maxUnavailable', max]] as const) {
    if (value === undefined) continue;
    const n = validateIntOrPercent(c, value, field);
    if (typeof value === 'string' && n !== undefined && n > 100) c.add(fieldError.invalid(field, value, 'must not be greater than 100%'));
  }
  const sel = spec['selector'];
  if (sel !== undefined && sel !== null) {
    const o = c.obj(sel, 'spec.selector');
    if (o !== undefined) {
      validateLabels(c, o['matchLabels'], 'spec.selector.matchLabels');
      try {
        selectorFromLabelSelector(o as LabelSelector, 'spec.selector');
      } catch (e) {
        if (!isKubewireError(e)) throw e;
        c.add(fieldError.invalid(e.where ?? 'spec.selector', sel, e.message.replace(/^[^:]*: /, '')));
      }
    }
  }
  const policy = c.str(spec['unhealthyPodEvictionPolicy'], 'spec.unhealthyPodEvictionPolicy');
  if (policy !== undefined && !(UNHEALTHY_POD_EVICTION_POLICIES as readonly string[]).includes(policy)) {
    c.add(fieldError.notSupported('spec.unhealthyPodEvictionPolicy', policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
}
