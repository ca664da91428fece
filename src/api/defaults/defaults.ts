import { isJsonObject, type KubeObject } from '../object.js';
import { CowObject } from './cow.js';
import type { ResourceType } from '../resources.js';
import { dropDisabledLeaseFields } from './lease.js';
import { defaultPod } from './pod.js';
import { defaultBinding } from './rbac.js';
import { defaultSecret } from './secret.js';
import { defaultService } from './service.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from './workload.js';

/**
 * Fills in the fields the real API server defaults for each kind, in place. Runs before validation,
 * so validation sees what will be stored (as the apiserver's decode → default → validate order).
 */
export function defaultObject(r: ResourceType, obj: KubeObject): void {
  const root = CowObject.root(obj);
  switch (r.kind) {
    case 'Pod':
      defaultPod(root);
      break;
    case 'Service':
      defaultService(root);
      break;
    case 'Deployment':
      defaultDeployment(root);
      break;
    case 'ReplicaSet':
      defaultReplicaSet(root);
      break;
    case 'DaemonSet':
      defaultDaemonSet(root);
      break;
    case 'StatefulSet':
      defaultStatefulSet(root);
      break;
    case 'Namespace': {
      // The namespace lifecycle: the "kubernetes" finalizer, phase Active, the immutable name label (1.22+).
      root.child('spec').setDefault('finalizers', ['kubernetes']);
      // `kubectl create namespace` sends `status: {}`: the phase still starts Active (the strategy's PrepareForCreate).
      root.child('status').setDefault('phase', 'Active');
      const name = obj.metadata.name;
      if (name !== undefined) obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
      break;
    }
    case 'Endpoints':
      for (const s of root.items('subsets')) for (const p of s.items('ports')) p.setDefault('protocol', 'TCP');
      break;
    case 'Secret':
      defaultSecret(obj);
      break;
    case 'Lease':
      dropDisabledLeaseFields(obj);
      break;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      defaultBinding(root);
      break;
    case 'Ingress':
      // A Go IngressStatus always carries its (empty) loadBalancer struct.
      root.setDefault('status', { loadBalancer: {} });
      break;
    case 'IngressClass': {
      // SetDefaults_IngressClass: parameters without a scope are cluster-scoped.
      const spec = obj['spec'];
      if (isJsonObject(spec) && isJsonObject(spec['parameters'])) root.child('spec').child('parameters').setDefault('scope', 'Cluster');
      break;
    }
    case 'EndpointSlice':
      for (const p of root.items('ports')) {
        p.setDefault('protocol', 'TCP');
        p.setDefault('name', '');
      }
      break;
    default:
      break;
  }
}
