import { fieldError } from './field-error.js';
import type { Collector } from './values.js';

/**
 * coordination.k8s.io/v1 Lease spec checks (pkg/apis/coordination/validation ValidateLeaseSpec). The
 * alpha strategy and preferredHolder fields never reach here: with the CoordinatedLeaderElection
 * gate off, as in a default 1.32 API server, defaulting drops them (see defaults/lease.ts).
 * acquireTime and renewTime are MicroTimes, which the real server decodes, nothing more.
 */
export function validateLeaseSpec(c: Collector, v: unknown): void {
  const spec = c.obj(v, 'spec');
  if (spec === undefined) return;
  c.str(spec['holderIdentity'], 'spec.holderIdentity');
  c.str(spec['acquireTime'], 'spec.acquireTime');
  c.str(spec['renewTime'], 'spec.renewTime');
  const duration = c.int(spec['leaseDurationSeconds'], 'spec.leaseDurationSeconds');
  if (duration !== undefined && duration <= 0) c.add(fieldError.invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  const transitions = c.int(spec['leaseTransitions'], 'spec.leaseTransitions');
  if (transitions !== undefined && transitions < 0) c.add(fieldError.invalid('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
}
