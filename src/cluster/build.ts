import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { type Ip4, ip4ToString } from '../addr/index.js';
import { InputError } from '../lib/index.js';
import { nodeObject } from '../kubelet/index.js';
import { type NamespaceLabels, Placement, waitsForPods } from '../scheduler/index.js';
import { type Labels, deepFreeze } from '../api/index.js';
import type { Container, Node, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { Netfilter, Network } from '../net/index.js';
import { BUILTIN_NAMESPACES, type TopologySpec } from '../topology/index.js';
import { endpointSlicesFor, kubernetesSlice } from './endpoint-slices.js';
import { type Cluster, type NodeInfo, type PodInfo, netnsNameForPod } from './model.js';
import { wireHosts } from './node-network.js';
import { CniNodeWiring, HostLocalRange, bridgeSettingsFrom, chainsPortmap, podCapacity, wirePod, wirePodModels } from './pod-network.js';
import { allocateServices } from './services.js';
import { announceLoadBalancers } from './load-balancer.js';
import { installKubeProxy } from './kube-proxy.js';
import type { ProxyMode } from '../proxy/index.js';
import { podRequests, type PodRequest } from './workloads.js';
import { mergePluginRules, writesRules } from './plugin-rules.js';

export interface BuildOptions {
  readonly proxyMode?: ProxyMode;
}

interface Placed {
  readonly req: PodRequest;
  readonly node: NodeInfo;
  readonly key: string;
}

/**
 * Where the manifests' pods run, decided as kube-scheduler decides it, by the scheduler's own code (Placement, which
 * `kubewire serve`'s scheduler also runs): pods in file order; one naming spec.nodeName is on that node; any other
 * goes through the filters (NodeAffinity, NodePorts, NodeResourcesFit, PodTopologySpread, InterPodAffinity), then the
 * least-allocated score, ties going round-robin to the node after the one chosen last. A pod no node takes waits, as
 * in the scheduler's queue, for a placed pod that could let it through; one still waiting at the end is
 * KW_CLUSTER_NO_NODE with the scheduler's words. Before anything is wired, every node must have room: more
 * pod-network pods than its podCIDR has addresses is KW_CNI_IPAM_EXHAUSTED, naming the node and the counts.
 */
function place(requests: readonly PodRequest[], nodes: ReadonlyMap<string, NodeInfo>, namespaceLabels: NamespaceLabels): Placed[] {
  const out: Placed[] = [];
  const perNode = new Map<string, Placed[]>();
  // Made when the first pod needs a decision, with the pods placed before it: a topology whose pods all name their
  // node (the generated 150,000-pod ones) never pays for the scheduler's accounting.
  let placement: Placement | undefined;
  const scheduler = (): Placement => {
    if (placement !== undefined) return placement;
    const p = new Placement({ namespaceLabels });
    for (const n of nodes.values()) p.index.upsert(nodeObject({ name: n.spec.name, ip: ip4ToString(n.spec.ip), labels: n.spec.labels }, '') as Node);
    for (const earlier of out) p.assign(earlier.key, earlier.node.spec.name, podForPlacement(earlier.req));
    return (placement = p);
  };
  // The scheduler's queue: pods in file order; one that no node takes waits, and goes back to the end of the queue
  // when a pod is placed if that pod could let it through (required pod affinity, hard spread constraints).
  const queue = [...requests];
  const waiting = new Map<PodRequest, string>();
  for (let i = 0; i < queue.length; i++) {
    const req = queue[i] as PodRequest;
    const key = `${req.namespace}/${req.name}`;
    let name = req.nodeName;
    if (name === undefined) {
      const sched = scheduler();
      const d = sched.decide(podForPlacement(req), key);
      if (d.kind !== 'bind') {
        waiting.set(req, d.message);
        continue;
      }
      sched.chose(d);
      name = d.node;
    }
    const node = nodes.get(name);
    if (node === undefined) throw new InputError('KW_CLUSTER_NO_NODE', `pod ${key} has no node to run on`);
    placement?.assign(key, name, podForPlacement(req));
    for (const [w] of waiting) {
      if (!waitsForPods(w.spec)) continue;
      waiting.delete(w);
      queue.push(w);
    }
    const p = { req, node, key };
    out.push(p);
    if (!req.hostNetwork) {
      let l = perNode.get(node.spec.name);
      if (l === undefined) perNode.set(node.spec.name, (l = []));
      l.push(p);
    }
  }
  for (const [req, message] of waiting) {
    // What the pod asked of node labels, and what a node carries, when that is among the reasons.
    const terms = req.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    const affinity = terms === undefined ? '' : `, required node affinity ${JSON.stringify(terms)}`;
    const hint = message.includes('node affinity/selector') ? ` (nodeSelector ${JSON.stringify(req.spec.nodeSelector ?? {})}${affinity}; a node has its topology labels and kubernetes.io/hostname, kubernetes.io/os=linux and kubernetes.io/arch=amd64)` : '';
    throw new InputError('KW_CLUSTER_NO_NODE', `pod ${req.namespace}/${req.name} cannot be placed: ${message.replace(/\.$/, '')}${hint}`);
  }
  for (const [name, ps] of perNode) {
    const cidr = nodes.get(name)?.spec.podCIDR;
    if (cidr === undefined) continue;
    const cap = podCapacity(cidr);
    if (ps.length > cap) {
      const first = ps[cap]?.key ?? '';
      throw new InputError(
        'KW_CNI_IPAM_EXHAUSTED',
        `node ${name} would run ${ps.length} pods on the pod network but its podCIDR ${cidr.toString()} has ${cap} addresses for pods (host-local gives out every address but the network, the gateway and the broadcast); pod ${first} is the first without an address. Use a larger podCIDR (nodeCIDRMaskSize) or fewer pods on this node`,
      );
    }
  }
  return out;
}

/**
 * The Pod the scheduler reads for a request: the template's spec as the API server defaults what placement reads (a
 * host-network pod's ports get hostPort = containerPort; a limit without a request becomes the request), made once
 * per template spec and frozen, so the scheduler's
 * per-template caches (requests by containers list) hold across a Deployment's replicas.
 */
function podForPlacement(req: PodRequest): Pod {
  let spec = placementSpecs.get(req.spec);
  if (spec === undefined) {
    const ports = (c: Container): Container => (req.hostNetwork ? { ...c, ports: (c.ports ?? []).map((p) => (p.hostPort === undefined || p.hostPort === 0 ? { ...p, hostPort: p.containerPort } : p)) } : c);
    // A limit without a request is requested (SetDefaults_Pod), as `serve`'s API server stores the pod.
    const requests = (c: Container): Container => {
      const limits = c.resources?.limits;
      return limits === undefined || Object.keys(limits).length === 0 ? c : { ...c, resources: { ...c.resources, requests: { ...limits, ...c.resources?.requests } } };
    };
    const containers = (req.spec.containers ?? []).map((c) => requests(ports(c)));
    const initContainers = req.spec.initContainers?.map(requests);
    spec = deepFreeze({ ...req.spec, containers, ...(initContainers === undefined ? {} : { initContainers }) }) as PodSpec;
    placementSpecs.set(req.spec, spec);
  }
  return { metadata: { namespace: req.namespace, name: req.name, labels: req.labels }, spec };
}

const placementSpecs = new WeakMap<object, PodSpec>();

/** Every namespace's labels as the API server keeps them: the manifests' own plus kubernetes.io/metadata.name. */
function namespaceLabelsOf(topology: TopologySpec): NamespaceLabels {
  const byName = new Map<string, Labels>();
  for (const { object } of topology.objects) if (object.kind === 'Namespace') byName.set(object.metadata.name, object.metadata.labels ?? {});
  return (ns) => {
    const own = byName.get(ns);
    return own === undefined && !BUILTIN_NAMESPACES.includes(ns) ? undefined : { ...own, 'kubernetes.io/metadata.name': ns };
  };
}

function finish(topology: TopologySpec, net: Network, nodes: Map<string, NodeInfo>, externals: Cluster['externals'], pods: Map<string, PodInfo>, podsByIp: Map<Ip4, PodInfo>, opts: BuildOptions): Cluster {
  const c = topology.cluster;
  const apiServer = topology.nodes[0]?.ip;
  const services = allocateServices(topology, apiServer);
  const podList = [...pods.values()];
  const endpointSlices: EndpointSlice[] = [];
  if (apiServer !== undefined) endpointSlices.push(kubernetesSlice(ip4ToString(apiServer)));
  for (const svc of services.values()) endpointSlices.push(...endpointSlicesFor(svc, podList));

  const base = { topology, network: net, nodes, pods, podsByIp, externals, services, endpointSlices };
  const proxies = installKubeProxy(base, opts.proxyMode ?? c.proxyMode);
  const lb = c.loadBalancer;
  const announcements = lb === undefined ? [] : announceLoadBalancers(lb.mode, services, endpointSlices, nodes, externals);
  return { ...base, proxies, announcements };
}

/**
 * Realizes a topology in the virtual network: nodes, external hosts, every pod the manifests create, Services with
 * their addresses allocated and EndpointSlices. Synchronous: pods are wired by wirePod, which does exactly what the
 * bridge + host-local plugins do (test/cni-plugins/bridge.test.ts proves it), so this needs a topology whose conflist
 * wirePod models (none, or bridge + host-local [+ portmap] without ipMasq). Any other conflist (ptp, ipMasq, own
 * ranges…) is KW_CLUSTER_CNI_ASYNC: use buildClusterAsync, which runs the conflist's plugins.
 */
export function buildCluster(topology: TopologySpec, opts: BuildOptions = {}): Cluster {
  return buildSync(topology, podRequests(topology), opts);
}

/**
 * A pod on the pod network that publishes a hostPort, when the conflist chains portmap: portmap forwards it with
 * iptables rules of its own, which only running the plugins writes.
 */
function hostPortPod(requests: readonly PodRequest[], conflist: unknown): PodRequest | undefined {
  return chainsPortmap(conflist) ? requests.find((r) => !r.hostNetwork && r.ports.some((p) => (p.hostPort ?? 0) > 0)) : undefined;
}

function buildSync(topology: TopologySpec, requests: readonly PodRequest[], opts: BuildOptions): Cluster {
  const conflist = topology.cluster.cni.conflist;
  if (!wirePodModels(conflist)) {
    throw new InputError('KW_CLUSTER_CNI_ASYNC', `the topology's conflist (${topology.cluster.cni.conflistPath ?? 'cluster.cni.conflist'}) is not the plain bridge + host-local one: its plugins must run through the CNI runtime, which buildClusterAsync does`);
  }
  const published = hostPortPod(requests, conflist);
  if (published !== undefined) {
    throw new InputError('KW_CLUSTER_CNI_ASYNC', `pod ${published.namespace}/${published.name} publishes a hostPort, which the conflist's portmap plugin forwards with iptables rules of its own: the plugins must run through the CNI runtime, which buildClusterAsync does`);
  }
  const net = new Network();
  const { nodes, externals } = wireHosts(net, topology);
  const placed = place(requests, nodes, namespaceLabelsOf(topology));
  const settings = bridgeSettingsFrom(conflist);
  const ranges = new Map<string, HostLocalRange>();
  for (const n of topology.nodes) ranges.set(n.name, new HostLocalRange(n.name, n.podCIDR));
  const pods = new Map<string, PodInfo>();
  const podsByIp = new Map<Ip4, PodInfo>();
  for (const { req, node, key } of placed) {
    let ip: Ip4;
    let netns = node.netns;
    let hostVeth = '';
    if (req.hostNetwork) {
      ip = node.spec.ip;
    } else {
      const range = ranges.get(node.spec.name);
      if (range === undefined) throw new Error(`no range for ${node.spec.name}`);
      ip = range.allocate(key);
      netns = net.addNetns(netnsNameForPod(req.namespace, req.name), { kind: 'pod', node: node.spec.name, pod: key });
      hostVeth = wirePod(net, node, netns, key, ip, range.gateway, settings);
    }
    const info: PodInfo = { namespace: req.namespace, name: req.name, key, node: node.spec.name, ip, labels: req.labels, ports: req.ports, netns, hostVeth, ready: true };
    pods.set(key, info);
    if (!req.hostNetwork) podsByIp.set(ip, info);
  }
  return finish(topology, net, nodes, externals, pods, podsByIp, opts);
}

/**
 * buildCluster with every pod wired through the CNI runtime, as the kubelet does: the topology's conflist (or the
 * default bridge + host-local + portmap one) runs in-process on each node's virtual kernel, one ADD per pod. A custom
 * conflist (ptp, ipMasq, its own ranges) really shapes the pods, and a pod's hostPorts reach a chained portmap as
 * the portMappings capability. The plugins' iptables rules (ipMasq, portmap) are written into a per-node netfilter of
 * their own (`cniNetfilter`), then merged into each node's netfilter around kube-proxy's, as on a real node.
 */
export async function buildClusterAsync(topology: TopologySpec, opts: BuildOptions = {}): Promise<Cluster & { readonly cniNetfilter: ReadonlyMap<string, Netfilter> }> {
  return buildAsync(topology, podRequests(topology), opts);
}

async function buildAsync(topology: TopologySpec, requests: readonly PodRequest[], opts: BuildOptions): Promise<Cluster & { readonly cniNetfilter: ReadonlyMap<string, Netfilter> }> {
  const net = new Network();
  const { nodes, externals } = wireHosts(net, topology);
  const placed = place(requests, nodes, namespaceLabelsOf(topology));
  const conflist = topology.cluster.cni.conflist;
  const nf = new Map<string, Netfilter>();
  const netfilter = (ns: string): Netfilter => {
    let f = nf.get(ns);
    if (f === undefined) nf.set(ns, (f = new Netfilter(ns)));
    return f;
  };
  const wiring = new Map<string, CniNodeWiring>();
  for (const [name, node] of nodes) wiring.set(name, new CniNodeWiring(node, net, conflist, netfilter));
  const pods = new Map<string, PodInfo>();
  const podsByIp = new Map<Ip4, PodInfo>();
  for (const { req, node, key } of placed) {
    let ip: Ip4 = node.spec.ip;
    let netns = node.netns;
    let hostVeth = '';
    if (!req.hostNetwork) {
      const w = wiring.get(node.spec.name);
      if (w === undefined) throw new Error(`no CNI wiring for ${node.spec.name}`);
      netns = net.addNetns(netnsNameForPod(req.namespace, req.name), { kind: 'pod', node: node.spec.name, pod: key });
      const a = await w.add(key, netns, req.ports);
      ip = a.ip;
      hostVeth = a.hostVeth;
    }
    const info: PodInfo = { namespace: req.namespace, name: req.name, key, node: node.spec.name, ip, labels: req.labels, ports: req.ports, netns, hostVeth, ready: true };
    pods.set(key, info);
    if (!req.hostNetwork) podsByIp.set(ip, info);
  }
  const cluster = finish(topology, net, nodes, externals, pods, podsByIp, opts);
  // On a real node the plugins' rules (ipMasq's CNI-… chains, portmap's CNI-HOSTPORT-…) sit in the same tables as
  // kube-proxy's, around the jumps kube-proxy and the kubelet wrote at boot (mergePluginRules says where). Merge them
  // into each node's netfilter so a trace sees them (and iptables-save prints them).
  const rulesBeforePlugins = new Map<string, string>();
  for (const [name, cniNf] of nf) {
    const node = [...nodes.values()].find((n) => n.netns.name === name);
    const proxy = node === undefined ? undefined : cluster.proxies.get(node.spec.name);
    if (node === undefined || proxy === undefined || !writesRules(cniNf)) continue;
    const before = proxy.iptablesSave();
    rulesBeforePlugins.set(node.spec.name, before);
    proxy.netfilter().iptablesRestore(mergePluginRules(before, cniNf));
  }
  return { ...cluster, cniNetfilter: nf, rulesBeforePlugins };
}

/**
 * What the CLI and realize use: buildCluster (synchronous, wirePod) where wirePod reproduces the topology's conflist
 * exactly, which is the common case and the fastest one; otherwise every pod through the CNI runtime
 * (buildClusterAsync), so a ptp or otherwise custom conflist shapes the pods as its plugins would.
 */
export async function buildClusterAuto(topology: TopologySpec, opts: BuildOptions = {}): Promise<Cluster> {
  const conflist = topology.cluster.cni.conflist;
  // The manifests are expanded into pods once, for the choice and for the build it picks.
  const requests = podRequests(topology);
  return wirePodModels(conflist) && hostPortPod(requests, conflist) === undefined ? buildSync(topology, requests, opts) : buildAsync(topology, requests, opts);
}
