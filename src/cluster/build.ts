import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { type Ip4, ip4ToString } from '../addr/index.js';
import { InputError } from '../lib/index.js';
import { nodeLabels } from '../kubelet/index.js';
import { type HostPort, type NamespaceLabels, type PlacedAffinityPod, affinityPod, hasRequiredTerms, holdPorts, hostPortsOf, interPodAffinityCheck, portsConflict, type UsedPorts } from '../scheduler/index.js';
import type { Labels } from '../api/index.js';
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
import { nodeFits, podRequests, type PodRequest } from './workloads.js';
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
 * Pods without spec.nodeName are spread round-robin in node order, which is what the scheduler's least-allocated
 * score with round-robin ties gives for identical empty nodes; a pod goes to the next node in that order that the
 * scheduler's filters modelled here let through: its nodeSelector and required node affinity match (NodeAffinity),
 * none of its host ports is held there yet (NodePorts), and the required inter-pod affinity and anti-affinity of it
 * and of the pods placed before it allow it (InterPodAffinity). One no node takes is KW_CLUSTER_NO_NODE with the
 * scheduler's words. Before anything is wired, every node must have room: more pod-network pods than its podCIDR
 * has addresses is KW_CNI_IPAM_EXHAUSTED, naming the node and the counts.
 */
function place(requests: readonly PodRequest[], nodes: ReadonlyMap<string, NodeInfo>, namespaceLabels: NamespaceLabels): Placed[] {
  const nodeList = [...nodes.values()];
  const labels = nodeList.map((n) => nodeLabels(n.spec.name, n.spec.labels));
  const labelsByNode = new Map(nodeList.map((n, i) => [n.spec.name, labels[i] ?? {}]));
  const used = new Map<string, UsedPorts | undefined>();
  const out: Placed[] = [];
  const perNode = new Map<string, Placed[]>();
  // For InterPodAffinity: every placed pod (built on the first pod with terms; most topologies have none) and those
  // with required anti-affinity, which every later pod must keep out of.
  let affinityPlaced: PlacedAffinityPod[] | undefined;
  const antiPlaced: PlacedAffinityPod[] = [];
  const affinityView = (p: Placed): PlacedAffinityPod => ({ pod: affinityPod(p.req.namespace, p.req.labels, p.req.affinity), nodeLabels: labelsByNode.get(p.node.spec.name) ?? {} });
  const affinityCheck = (req: PodRequest): ((l: Labels) => string | undefined) | undefined => {
    const a = req.affinity;
    if (a?.podAffinity === undefined && a?.podAntiAffinity === undefined && antiPlaced.length === 0) return undefined;
    const incoming = affinityPod(req.namespace, req.labels, a);
    if (!hasRequiredTerms(incoming)) return interPodAffinityCheck(incoming, antiPlaced, namespaceLabels);
    affinityPlaced ??= out.map(affinityView);
    return interPodAffinityCheck(incoming, affinityPlaced, namespaceLabels);
  };
  let rr = 0;
  const next = (req: PodRequest, ports: readonly HostPort[]): NodeInfo | undefined => {
    const n = nodeList.length;
    const reasons = new Map<string, number>();
    const refuse = (r: string): void => void reasons.set(r, (reasons.get(r) ?? 0) + 1);
    const check = affinityCheck(req);
    for (let i = 0; i < n; i++) {
      const at = (rr + i) % n;
      const node = nodeList[at];
      if (node === undefined) continue;
      if (!nodeFits(req, node.spec.name, labels[at] ?? {})) {
        refuse("node(s) didn't match Pod's node affinity/selector");
        continue;
      }
      if (ports.length > 0 && portsConflict(used.get(node.spec.name), ports)) {
        refuse("node(s) didn't have free ports for the requested pod ports");
        continue;
      }
      const why = check?.(labels[at] ?? {});
      if (why !== undefined) {
        refuse(why);
        continue;
      }
      rr = at + 1;
      return node;
    }
    // The scheduler's words for what it would leave Pending (FitError), counted per reason.
    const counted = [...reasons].map(([r, k]) => `${k} ${r}`).sort();
    const affinity = req.requiredNodeTerms === undefined ? '' : `, required node affinity ${JSON.stringify(req.requiredNodeTerms)}`;
    throw new InputError('KW_CLUSTER_NO_NODE', `pod ${req.namespace}/${req.name} cannot be placed: 0/${n} nodes are available: ${counted.join(', ')} (nodeSelector ${JSON.stringify(req.nodeSelector)}${affinity}; a node has its topology labels and kubernetes.io/hostname, kubernetes.io/os=linux and kubernetes.io/arch=amd64)`);
  };
  for (const req of requests) {
    const ports = hostPortsOf([{ ports: req.ports }]);
    const node = req.nodeName !== undefined ? nodes.get(req.nodeName) : next(req, ports);
    if (node === undefined) throw new InputError('KW_CLUSTER_NO_NODE', `pod ${req.namespace}/${req.name} has no node to run on`);
    if (ports.length > 0) used.set(node.spec.name, holdPorts(used.get(node.spec.name), ports, 1));
    const p = { req, node, key: `${req.namespace}/${req.name}` };
    out.push(p);
    if (affinityPlaced !== undefined || (req.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0) {
      const view = affinityView(p);
      affinityPlaced?.push(view);
      if (view.pod.antiAffinity.length > 0) antiPlaced.push(view);
    }
    if (!req.hostNetwork) {
      let l = perNode.get(node.spec.name);
      if (l === undefined) perNode.set(node.spec.name, (l = []));
      l.push(p);
    }
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
