export { Informers, objectKey, type Handler, type EventType, type IndexFn, type IndexInput } from './runtime/informers.js';
export { TimerQueue } from './runtime/timers.js';
export { ControlLoop, type Reconciler } from './runtime/loop.js';
export { QueueController } from './runtime/work-queue.js';
export { CONTROLLER_REVISION_HASH, R, isPodReady, isPodActive, podNodeName, fnv32, specOf, statusOf, controllerOf } from './runtime/objects.js';
export { ControllerManager, type ControllerManagerOptions } from './manager.js';
export { ReplicaSetController, deletionOrder, BY_CONTROLLER_UID } from './replica-set.js';
export { DeploymentController } from './deployment.js';
export { REVISION, REVISION_HISTORY, POD_TEMPLATE_HASH, podTemplateHash, fenceposts } from './deployment-util.js';
export { rollbackDeployment } from './rollback.js';
export {
  EndpointSliceController,
  MAX_ENDPOINTS_PER_SLICE,
  SERVICE_NAME_LABEL,
  MANAGED_BY_LABEL,
  SLICE_SERVICE_INDEX,
  selectPods,
  selectorOf,
} from './endpoint-slice.js';
export { ServiceAllocator, type ServiceAllocatorOptions } from './service-allocator.js';
export { NodeIpamController } from './node-ipam.js';
export { NodeLifecycleController, POD_NODE_INDEX, UNREACHABLE, NOT_READY, evictionTime, type NodeLifecycleOptions } from './node-lifecycle.js';
export { LoadBalancerController, announcements, ingressIps, type Announcement } from './load-balancer.js';
export { GarbageCollector } from './garbage-collector.js';
export { DEFAULT_SERVICE_ACCOUNT, ServiceAccountAdmission, ServiceAccountsController } from './service-account.js';
export { DaemonSetController, POD_TEMPLATE_GENERATION } from './daemon-set.js';
export { StatefulSetController, STATEFUL_SET_POD_NAME, POD_INDEX } from './stateful-set.js';
export { DisruptionController } from './disruption.js';
export { DEFAULT_INGRESS_CLASS_ANNOTATION, DefaultIngressClassAdmission } from './default-ingress-class.js';
