import { isJsonObject, type KubeObject } from '../object.js';

/**
 * The Lease strategy's dropDisabledFields: spec.strategy and spec.preferredHolder belong to the alpha
 * CoordinatedLeaderElection feature, off in a default v1.32 API server, which then stores a Lease
 * without them instead of refusing it. No stored Lease can hold them, so they are always dropped.
 */
export function dropDisabledLeaseFields(obj: KubeObject): void {
  const spec = obj['spec'];
  if (!isJsonObject(spec) || (!('strategy' in spec) && !('preferredHolder' in spec))) return;
  const { strategy: _s, preferredHolder: _p, ...kept } = spec;
  obj['spec'] = kept;
}
