import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Cidr4, type Ip4, ip4ToString, parseIp4 } from '../../addr/index.js';
import { resourceByKind } from '../../api/index.js';
import { isApiError } from '../../apiserver/index.js';
import { announcements, ingressIps, R, SLICE_SERVICE_INDEX, specOf, statusOf } from '../../controllers/index.js';
import { resolve, type DnsAnswer, type DnsSource, type RecordType } from '../../dns/index.js';
import { podServiceEnv, type EnvVar } from '../../kubelet/index.js';
import { InputError, SimulatedClock } from '../../lib/index.js';
import { type NextHop, Network } from '../../net/index.js';
import type { TopologySpec } from '../../topology/index.js';
import type { LbAnnouncement } from '../load-balancer.js';
import { type Cluster, type ExternalInfo, type NodeInfo, type PodInfo } from '../model.js';
import { containerPorts } from '../workloads.js';
import { NODE_NETWORK, wireHosts } from '../node-network.js';
import { bridgeSettingsFrom } from '../pod-network.js';
import { ControlPlane } from './control-plane.js';
import { addCoreDns, DNS_SERVICE_INDEX } from './coredns.js';
import { LiveKubeProxy } from './live-proxy.js';
import { WiredPodNetwork } from './wired-pod-network.js';

export interface LiveClusterOptions {
  readonly seed?: number;
  /** Where simulated time starts (ms since the Unix epoch); default EPOCH, so tests see the same timestamps. */
  readonly startTimeMs?: number;
  /** Run CoreDNS (kube-system/kube-dns at the serviceCIDR's 10th address, two replicas). Default true. */
  readonly coreDns?: boolean;
  readonly naiveScheduler?: boolean;
  /** Passed to the namespace controller (ControlPlaneOptions.deferNamespaceCleanup). */
  readonly deferNamespaceCleanup?: (start: () => void) => void;
}

/**
 * A topology brought up the way a cluster comes up: the API server starts, kubelets register the
 * Nodes, node IPAM checks their podCIDRs, the manifests are applied through the API, and the
 * controllers, scheduler and kubelets run to quiescence; kube-proxy follows the Services and
 * EndpointSlices. cluster() gives the same Cluster shape buildCluster does, so traces work;
 * scale/failNode/advance change the cluster and re-derive endpoints, rules and announcements.
 */
export class LiveCluster {
  private readonly networks = new Map<string, WiredPodNetwork>();
  private proxy: LiveKubeProxy | undefined;
  private announced: LbAnnouncement[] = [];

  private constructor(
    readonly topology: TopologySpec,
    readonly network: Network,
    readonly nodes: ReadonlyMap<string, NodeInfo>,
    readonly externals: ReadonlyMap<string, ExternalInfo>,
    private cp_: ControlPlane | undefined,
  ) {}

  get controlPlane(): ControlPlane {
    if (this.cp_ === undefined) throw new Error('live cluster not started');
    return this.cp_;
  }

  static async start(topology: TopologySpec, opts: LiveClusterOptions = {}): Promise<LiveCluster> {
    const net = new Network();
    const { nodes, externals } = wireHosts(net, topology);
    const c = topology.cluster;
    const live = new LiveCluster(topology, net, nodes, externals, undefined);
    const settings = bridgeSettingsFrom(c.cni.conflist);
    const cp = await ControlPlane.start({
      serviceCIDR: c.serviceCIDR,
      clusterCIDR: c.clusterCIDR,
      nodeCIDRMaskSize: c.nodeCIDRMaskSize,
      ...(c.loadBalancer === undefined ? {} : { loadBalancerPool: c.loadBalancer.pool }),
      network: (name) => {
        const node = nodes.get(name);
        if (node === undefined) throw new InputError('KW_CLUSTER_NO_NODE', `no node ${name} in the topology`);
        const n = new WiredPodNetwork(net, node, settings);
        live.networks.set(name, n);
        return n;
      },
      ...(opts.seed === undefined ? {} : { seed: opts.seed }),
      ...(opts.deferNamespaceCleanup === undefined ? {} : { deferNamespaceCleanup: opts.deferNamespaceCleanup }),
      ...(opts.startTimeMs === undefined ? {} : { clock: new SimulatedClock(opts.startTimeMs) }),
      ...(opts.naiveScheduler === true ? { naiveScheduler: true } : {}),
    });
    live.cp_ = cp;
    cp.informers.addIndex(R.services, DNS_SERVICE_INDEX, (s) => [`${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`]);
    // Only iptables mode follows changes live so far; other modes leave proxies empty here.
    live.proxy = c.proxyMode === 'iptables' ? new LiveKubeProxy(topology, nodes, cp.informers, (name) => live.networks.get(name)?.cniRules) : undefined;
    for (const spec of topology.nodes) {
      await cp.addNode({ name: spec.name, ip: ip4ToString(spec.ip), labels: spec.labels, ...(spec.podCIDRAllocated ? {} : { podCIDR: spec.podCIDR.toString() }) });
    }
    await cp.settle();
    // Node IPAM must land where the topology put each node's routes.
    for (const spec of topology.nodes) {
      const got = specOf(cp.informers.get(R.nodes, '', spec.name) ?? { apiVersion: '', kind: '', metadata: {} })['podCIDR'];
      if (got !== spec.podCIDR.toString()) throw new Error(`node IPAM gave ${spec.name} ${String(got)}, the topology wired ${spec.podCIDR.toString()}`);
    }
    if (opts.coreDns !== false) await addCoreDns(cp, c.serviceCIDR);
    await live.apply();
    await live.settle();
    return live;
  }

  /** Applies the topology's manifests through the API, in file order (namespaces as needed). */
  private async apply(): Promise<void> {
    const cp = this.controlPlane;
    for (const { object, source } of this.topology.objects) {
      // Every served kind goes through the API (ConfigMaps only for kubectl to read), except Endpoints written by
      // hand: kube-proxy here reads EndpointSlices only, so they are left out as before.
      const r = resourceByKind(object.apiVersion, object.kind);
      if (r === undefined || r.kind === 'Endpoints') continue;
      const ns = object.metadata.namespace ?? 'default';
      if (r.namespaced && cp.informers.get(R.namespaces, '', ns) === undefined) await cp.api.create(R.namespaces, '', { metadata: { name: ns } });
      try {
        await cp.api.create(r, r.namespaced ? ns : '', structuredClone(object));
      } catch (e) {
        if (isApiError(e)) throw new InputError('KW_CLUSTER_MANIFEST_REFUSED', e.message, { where: `${source.file} (document ${source.document})`, cause: e });
        throw e;
      }
    }
  }

  /** Runs the cluster to quiescence and re-derives the load-balancer announcements. */
  async settle(): Promise<void> {
    await this.controlPlane.settle();
    this.announce();
  }

  async advance(ms: number): Promise<void> {
    await this.controlPlane.advance(ms);
    this.announce();
  }

  /** `kubectl scale deployment/<name> --replicas=n` (`ns/name`, or `name` in default), then settle. */
  async scale(deployment: string, replicas: number): Promise<void> {
    const [ns, name] = deployment.includes('/') ? (deployment.split('/', 2) as [string, string]) : ['default', deployment];
    await this.controlPlane.api.patch(R.deployments, ns, name, 'merge', { spec: { replicas } });
    await this.settle();
  }

  /** The node stops; after the grace period it goes NotReady and its pods are replaced elsewhere (advance time to see it). */
  failNode(name: string): void {
    if (!this.nodes.has(name)) throw new InputError('KW_CLUSTER_NO_NODE', `no node ${name} (nodes: ${[...this.nodes.keys()].join(', ')})`);
    this.controlPlane.failNode(name);
  }

  async recoverNode(name: string): Promise<void> {
    await this.controlPlane.recoverNode(name);
    await this.settle();
  }

  /** MetalLB's announcements applied to the network: bgp routes on the external hosts, l2 ARP answers. */
  private announce(): void {
    const lb = this.topology.cluster.loadBalancer;
    for (const a of this.announced) {
      if (a.mode === 'bgp') for (const ext of this.externals.values()) ext.netns.main.delete(Cidr4.host(a.ip));
      else this.network.segment(NODE_NETWORK).withdraw(a.ip);
    }
    this.announced = [];
    if (lb === undefined) return;
    for (const a of announcements(this.controlPlane.informers, lb.mode)) {
      this.announced.push(a);
      if (a.nodes.length === 0) continue;
      if (a.mode === 'bgp') {
        const nexthops: NextHop[] = a.nodes.flatMap((n) => {
          const node = this.nodes.get(n);
          return node === undefined ? [] : [{ gateway: node.spec.ip, dev: 'eth0', weight: 1 }];
        });
        for (const ext of this.externals.values()) ext.netns.addRoute({ dst: Cidr4.host(a.ip), type: 'unicast', nexthops, proto: 'bgp', scope: 'global' });
      } else {
        const node = this.nodes.get(a.nodes[0] ?? '');
        const eth0 = node?.netns.link('eth0');
        if (node !== undefined && eth0 !== undefined && eth0.kind === 'uplink') eth0.segment.announce(a.ip, { netns: node.netns.name, dev: 'eth0', mac: eth0.mac });
      }
    }
  }

  /** The cluster as traces see it now. */
  cluster(): Cluster {
    const inf = this.controlPlane.informers;
    const pods = new Map<string, PodInfo>();
    const podsByIp = new Map<Ip4, PodInfo>();
    for (const p of inf.list(R.pods)) {
      const key = `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
      const spec = specOf(p) as { nodeName?: string; hostNetwork?: boolean; containers?: { ports?: { name?: string; containerPort?: number; protocol?: string }[] }[] };
      const node = this.nodes.get(spec.nodeName ?? '');
      const ipText_ = statusOf(p)['podIP'];
      if (node === undefined || typeof ipText_ !== 'string') continue;
      const hostNet = spec.hostNetwork === true;
      const netnsName = hostNet ? node.netns.name : `pod/${key}`;
      const netns = this.network.netns.get(netnsName);
      if (netns === undefined) continue; // not running (or its node has not finished it)
      const ports = containerPorts(spec.containers ?? []);
      const conds = statusOf(p)['conditions'];
      const ready = Array.isArray(conds) && conds.some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True');
      const info: PodInfo = {
        namespace: p.metadata.namespace ?? '',
        name: p.metadata.name ?? '',
        key,
        node: node.spec.name,
        ip: parseIp4(ipText_),
        labels: p.metadata.labels ?? {},
        ports,
        netns,
        hostVeth: this.networks.get(node.spec.name)?.hostVethOf(key) ?? '',
        ready,
      };
      pods.set(key, info);
      if (!hostNet) podsByIp.set(info.ip, info);
    }
    const services = new Map<string, Service>();
    for (const s of inf.list(R.services)) services.set(`${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`, s as unknown as Service);
    const endpointSlices = [...inf.list(R.endpointSlices)] as unknown as EndpointSlice[];
    return {
      topology: this.topology,
      network: this.network,
      nodes: this.nodes,
      pods,
      podsByIp,
      externals: this.externals,
      services,
      endpointSlices,
      proxies: this.proxy?.proxies ?? new Map(),
      announcements: this.announced.map((a) => ({ service: a.service, ip: a.ip, mode: a.mode, nodes: a.nodes })),
    };
  }

  /** The objects CoreDNS reads. */
  dnsSource(): DnsSource {
    const inf = this.controlPlane.informers;
    return {
      service: (ns, name) => inf.get(R.services, ns, name) as Service | undefined,
      slices: (ns, svc) => [...inf.byIndex(R.endpointSlices, SLICE_SERVICE_INDEX, `${ns}/${svc}`)] as unknown as EndpointSlice[],
    };
  }

  /** A DNS lookup as a pod in `namespace` makes it (search path, ndots:5). */
  resolve(name: string, type: RecordType = 'A', namespace = 'default'): DnsAnswer {
    return resolve(this.dnsSource(), name, type, { namespace });
  }

  /** The service environment variables the kubelet gives a pod's containers. */
  env(namespace: string, name: string): EnvVar[] {
    const inf = this.controlPlane.informers;
    const pod = inf.get(R.pods, namespace, name);
    if (pod === undefined) throw new InputError('KW_CLUSTER_NO_POD', `no pod ${namespace}/${name}`);
    const links = specOf(pod)['enableServiceLinks'] !== false;
    return podServiceEnv({ namespace, enableServiceLinks: links }, [...inf.list(R.services)] as unknown as Service[]);
  }

  /** LoadBalancer ingress addresses currently assigned, by Service. */
  ingress(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const s of this.controlPlane.informers.list(R.services)) {
      const ips = ingressIps(s);
      if (ips.length > 0) out.set(`${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`, ips.map(ip4ToString));
    }
    return out;
  }
}

