import { asArray, ensureObject, isJsonObject, setDefault, type KubeObject } from '../object.js';
import type { ResourceType } from '../resources.js';
import { defaultPod } from './pod.js';
import { defaultService } from './service.js';
import { defaultDeployment, defaultReplicaSet } from './workload.js';

/**
 * Fills in the fields the real API server defaults for each kind, in place. Runs before validation,
 * so validation sees what will be stored (as the apiserver's decode → default → validate order).
 */
export function defaultObject(r: ResourceType, obj: KubeObject): void {
  switch (r.kind) {
    case 'Pod':
      defaultPod(obj);
      break;
    case 'Service':
      defaultService(obj);
      break;
    case 'Deployment':
      defaultDeployment(obj);
      break;
    case 'ReplicaSet':
      defaultReplicaSet(obj);
      break;
    case 'Namespace': {
      // The namespace lifecycle: the "kubernetes" finalizer, phase Active, the immutable name label (1.22+).
      const spec = ensureObject(obj, ['spec']);
      setDefault(spec, 'finalizers', ['kubernetes']);
      setDefault(obj, 'status', { phase: 'Active' });
      const name = obj.metadata.name;
      if (name !== undefined) obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
      break;
    }
    case 'Endpoints':
      for (const s of asArray(obj['subsets'])) {
        if (isJsonObject(s)) for (const p of asArray(s['ports'])) if (isJsonObject(p)) setDefault(p, 'protocol', 'TCP');
      }
      break;
    case 'EndpointSlice':
      for (const p of asArray(obj['ports'])) {
        if (isJsonObject(p)) {
          setDefault(p, 'protocol', 'TCP');
          setDefault(p, 'name', '');
        }
      }
      break;
    default:
      break;
  }
}
