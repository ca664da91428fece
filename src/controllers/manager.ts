import type { Cidr4 } from '../addr/index.js';
import type { ApiServer } from '../apiserver/index.js';
import type { SimulatedClock } from '../lib/index.js';
import { DaemonSetController } from './daemon-set.js';
import { DeploymentController } from './deployment.js';
import { DisruptionController } from './disruption.js';
import { addEndpointSliceIndexes, EndpointSliceController } from './endpoint-slice.js';
import { GarbageCollector } from './garbage-collector.js';
import { LoadBalancerController } from './load-balancer.js';
import { NodeIpamController } from './node-ipam.js';
import { NamespaceController } from './namespace.js';
import { addPodNodeIndex, NodeLifecycleController } from './node-lifecycle.js';
import { BY_CONTROLLER_UID, controllerUidIndex, ownerRefsOf, ReplicaSetController } from './replica-set.js';
import { Informers } from './runtime/informers.js';
import { ControlLoop } from './runtime/loop.js';
import { R } from './runtime/objects.js';
import { TimerQueue } from './runtime/timers.js';
import { ServiceAccountsController } from './service-account.js';
import { StatefulSetController } from './stateful-set.js';

export interface ControllerManagerOptions {
  readonly api: ApiServer;
  readonly clock: SimulatedClock;
  /** Node IPAM runs when both are given (--allocate-node-cidrs). */
  readonly clusterCIDR?: Cidr4;
  readonly nodeCIDRMaskSize?: number;
  /** MetalLB's address pool; LoadBalancer Services get no address without one. */
  readonly loadBalancerPool?: Cidr4;
  /** Kubelet leases for the node lifecycle controller; it does not run without them. */
  readonly heartbeat?: (node: string) => number | undefined;
  readonly nodeMonitorGracePeriodMs?: number;
  /** When the namespace controller starts cleaning a Terminating namespace (see NamespaceController); default at once. */
  readonly deferNamespaceCleanup?: (start: () => void) => void;
}

/**
 * kube-controller-manager in one object: shared informers, a timer queue on the simulated clock,
 * the controllers, and the control loop that drives them (the scheduler and kubelets are added to
 * the same loop by the composition root). Call start() once, then loop.runUntilQuiescent().
 */
export class ControllerManager {
  readonly informers: Informers;
  readonly timers: TimerQueue;
  readonly loop: ControlLoop;
  readonly replicaSets: ReplicaSetController;
  readonly daemonSets: DaemonSetController;
  readonly statefulSets: StatefulSetController;
  readonly deployments: DeploymentController;
  readonly endpointSlices: EndpointSliceController;
  readonly loadBalancers: LoadBalancerController;
  readonly garbageCollector: GarbageCollector;
  readonly serviceAccounts: ServiceAccountsController;
  readonly namespaces: NamespaceController;
  readonly disruption: DisruptionController;
  readonly nodeIpam: NodeIpamController | undefined;
  readonly nodeLifecycle: NodeLifecycleController | undefined;

  private constructor(opts: ControllerManagerOptions) {
    const { api, clock } = opts;
    this.informers = new Informers(api);
    this.timers = new TimerQueue(clock);
    this.loop = new ControlLoop(clock, this.timers);
    this.informers.addIndex(R.pods, BY_CONTROLLER_UID, controllerUidIndex, ownerRefsOf);
    this.informers.addIndex(R.replicaSets, BY_CONTROLLER_UID, controllerUidIndex, ownerRefsOf);
    addEndpointSliceIndexes(this.informers);
    addPodNodeIndex(this.informers);
    this.deployments = new DeploymentController(api, this.informers);
    this.replicaSets = new ReplicaSetController(api, this.informers, this.timers);
    this.daemonSets = new DaemonSetController(api, this.informers, this.timers);
    this.statefulSets = new StatefulSetController(api, this.informers);
    this.endpointSlices = new EndpointSliceController(api, this.informers);
    this.loadBalancers = new LoadBalancerController(api, this.informers, opts.loadBalancerPool);
    this.garbageCollector = new GarbageCollector(api, this.informers);
    this.serviceAccounts = new ServiceAccountsController(api, this.informers);
    this.namespaces = new NamespaceController(api, this.informers, opts.deferNamespaceCleanup);
    this.disruption = new DisruptionController(api, this.informers, this.timers);
    this.nodeIpam =
      opts.clusterCIDR !== undefined && opts.nodeCIDRMaskSize !== undefined ? new NodeIpamController(api, this.informers, opts.clusterCIDR, opts.nodeCIDRMaskSize) : undefined;
    this.nodeLifecycle =
      opts.heartbeat === undefined
        ? undefined
        : new NodeLifecycleController(api, this.informers, this.timers, {
            heartbeat: opts.heartbeat,
            ...(opts.nodeMonitorGracePeriodMs === undefined ? {} : { gracePeriodMs: opts.nodeMonitorGracePeriodMs }),
          });
    this.loop.add(this.namespaces, this.serviceAccounts, this.deployments, this.replicaSets, this.daemonSets, this.statefulSets, this.garbageCollector, this.endpointSlices, this.loadBalancers, this.disruption);
    if (this.nodeIpam !== undefined) this.loop.add(this.nodeIpam);
    if (this.nodeLifecycle !== undefined) this.loop.add(this.nodeLifecycle);
  }

  static async start(opts: ControllerManagerOptions): Promise<ControllerManager> {
    const m = new ControllerManager(opts);
    await m.informers.start();
    return m;
  }

  /** Errors controllers gave up on (not conflicts, which are retried). */
  errors(): { controller: string; key: string; message: string }[] {
    const all = [this.namespaces, this.serviceAccounts, this.deployments, this.replicaSets, this.daemonSets, this.statefulSets, this.endpointSlices, this.loadBalancers, this.garbageCollector, this.disruption, this.nodeIpam, this.nodeLifecycle];
    return all.flatMap((c) => (c === undefined ? [] : c.errors.map((e) => ({ controller: c.name, ...e }))));
  }
}
