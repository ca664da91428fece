import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Cidr4 } from '../../addr/index.js';
import { ApiServer, bootstrapNamespaces, MemoryStore, rngIds, type ObjectStore } from '../../apiserver/index.js';
import { ControllerManager, DefaultIngressClassAdmission, R, ServiceAccountAdmission, ServiceAllocator } from '../../controllers/index.js';
import { Kubelet, type NodeRegistration, type PodNetwork } from '../../kubelet/index.js';
import { InputError, Rng, SimulatedClock } from '../../lib/index.js';
import { Scheduler } from '../../scheduler/index.js';

export interface ControlPlaneOptions {
  readonly serviceCIDR: Cidr4;
  /** With nodeCIDRMaskSize: node IPAM allocates podCIDRs from it. */
  readonly clusterCIDR?: Cidr4;
  readonly nodeCIDRMaskSize?: number;
  readonly loadBalancerPool?: Cidr4;
  /** The pod network each node's kubelet uses. */
  readonly network: (node: string) => PodNetwork;
  readonly clock?: SimulatedClock;
  readonly store?: ObjectStore;
  /** Seeds uids and generated names. */
  readonly seed?: number;
  /** Use the scheduler's reference algorithm instead of its index. */
  readonly naiveScheduler?: boolean;
  readonly nodeMonitorGracePeriodMs?: number;
  /** When the namespace controller starts on a Terminating namespace (kubewire serve: 5 s of wall time); default at once. */
  readonly deferNamespaceCleanup?: (start: () => void) => void;
}

/** 2025-01-01T00:00:00Z: where simulated time starts, so timestamps look like timestamps. */
export const EPOCH = Date.UTC(2025, 0, 1);

/**
 * A whole control plane in one process: the API server (with ClusterIP/NodePort allocation at
 * admission), kube-controller-manager, the scheduler and one kubelet per node, all on one
 * simulated clock and one control loop. Nothing runs by itself: settle() runs every component
 * until the cluster is quiescent, advance(ms) moves time through the timers.
 */
export class ControlPlane {
  readonly api: ApiServer;
  readonly clock: SimulatedClock;
  readonly allocator: ServiceAllocator;
  readonly scheduler: Scheduler;
  private constructor(
    readonly manager: ControllerManager,
    readonly kubelets: Map<string, Kubelet>,
    api: ApiServer,
    clock: SimulatedClock,
    allocator: ServiceAllocator,
    scheduler: Scheduler,
    private readonly opts: ControlPlaneOptions,
  ) {
    this.api = api;
    this.clock = clock;
    this.allocator = allocator;
    this.scheduler = scheduler;
  }

  static async start(opts: ControlPlaneOptions): Promise<ControlPlane> {
    const clock = opts.clock ?? new SimulatedClock(EPOCH);
    const rng = new Rng(opts.seed ?? 1);
    const allocator = new ServiceAllocator({ serviceCIDR: opts.serviceCIDR });
    const accounts = new ServiceAccountAdmission();
    const ingressClasses = new DefaultIngressClassAdmission();
    const api = new ApiServer({ store: opts.store ?? new MemoryStore({ historyLimit: 1000 }), clock, ids: rngIds(rng), rng, admission: [allocator, accounts, ingressClasses] });
    await bootstrapNamespaces(api);
    const kubelets = new Map<string, Kubelet>();
    const manager = await ControllerManager.start({
      api,
      clock,
      ...(opts.clusterCIDR === undefined ? {} : { clusterCIDR: opts.clusterCIDR }),
      ...(opts.nodeCIDRMaskSize === undefined ? {} : { nodeCIDRMaskSize: opts.nodeCIDRMaskSize }),
      ...(opts.loadBalancerPool === undefined ? {} : { loadBalancerPool: opts.loadBalancerPool }),
      ...(opts.nodeMonitorGracePeriodMs === undefined ? {} : { nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs }),
      ...(opts.deferNamespaceCleanup === undefined ? {} : { deferNamespaceCleanup: opts.deferNamespaceCleanup }),
      heartbeat: (node) => kubelets.get(node)?.heartbeat(),
    });
    allocator.attach(manager.informers);
    accounts.attach(manager.informers);
    ingressClasses.attach(manager.informers);
    const inf = manager.informers;
    const scheduler = new Scheduler({
      api,
      ...(opts.naiveScheduler === true ? { naive: true } : {}),
      namespaceLabels: (ns) => inf.get(R.namespaces, '', ns)?.metadata.labels,
    });
    inf.on(R.nodes, (type, o) => scheduler.onNode(type, o as unknown as Node));
    inf.on(R.pods, (type, o, old, key) => {
      const pod = o as unknown as Pod;
      scheduler.onPod(type, pod, key, old as unknown as Pod | undefined);
      const node = pod.spec?.nodeName;
      if (node !== undefined) kubelets.get(node)?.onPod(type, pod, key);
    });
    const cp = new ControlPlane(manager, kubelets, api, clock, allocator, scheduler, opts);
    // The scheduler runs right after the controllers that create pods, kubelets last: a pod goes
    // create → bind → run within one round.
    manager.loop.add(scheduler);
    // default/kubernetes: the API server's own Service, first address of the range, no selector.
    await api.create(R.services, 'default', {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: allocator.kubernetesIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    });
    return cp;
  }

  get informers(): ControllerManager['informers'] {
    return this.manager.informers;
  }

  /** Starts a node's kubelet, which registers the Node. */
  async addNode(reg: NodeRegistration): Promise<Kubelet> {
    if (this.kubelets.has(reg.name)) throw new InputError('KW_CLUSTER_NODE_EXISTS', `node ${reg.name} already has a kubelet`);
    const kubelet = new Kubelet({
      api: this.api,
      node: reg,
      network: this.opts.network(reg.name),
      clock: this.clock,
      getPod: (ns, name) => this.informers.get(R.pods, ns, name) as Pod | undefined,
      getPodByKey: (key) => this.informers.getByKey(R.pods, key) as Pod | undefined,
      after: (ms, fn) => this.manager.timers.after(ms, fn),
    });
    this.kubelets.set(reg.name, kubelet);
    this.manager.loop.add(kubelet);
    await kubelet.register();
    return kubelet;
  }

  /** Runs every component until nothing is left to do. */
  async settle(): Promise<void> {
    await this.manager.loop.runUntilQuiescent();
  }

  /** Advances simulated time, firing timers (node monitor, evictions, probe delays) on the way. */
  async advance(ms: number): Promise<void> {
    await this.manager.loop.advance(ms);
  }

  /** The node's kubelet stops (the machine is gone): the lifecycle controller notices after its grace period. */
  failNode(name: string): void {
    const k = this.kubelets.get(name);
    if (k === undefined) throw new InputError('KW_CLUSTER_NO_NODE', `no node ${name} (nodes: ${[...this.kubelets.keys()].join(', ')})`);
    k.stop();
  }

  /** The node's kubelet is back: it posts Ready again and finishes what was left. */
  async recoverNode(name: string): Promise<void> {
    const k = this.kubelets.get(name);
    if (k === undefined) throw new InputError('KW_CLUSTER_NO_NODE', `no node ${name}`);
    const pods = [...this.informers.list(R.pods)].filter((p) => (p['spec'] as { nodeName?: string } | undefined)?.nodeName === name).map((p) => `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`);
    await k.start(pods);
  }
}
