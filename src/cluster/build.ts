import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { type Ip4, ip4ToString } from '../addr/index.js';
import { InputError } from '../lib/index.js';
import { Network } from '../net/index.js';
import type { TopologySpec } from '../topology/index.js';
import { endpointSlicesFor, kubernetesSlice } from './endpoint-slices.js';
import { type Cluster, type NodeInfo, type PodInfo, netnsNameForPod } from './model.js';
import { wireHosts } from './node-network.js';
import { HostLocalRange, bridgeSettingsFrom, wirePod } from './pod-network.js';
import { allocateServices } from './services.js';
import { announceLoadBalancers } from './load-balancer.js';
import { installKubeProxy } from './kube-proxy.js';
import type { ProxyMode } from '../proxy/index.js';
import { podRequests } from './workloads.js';

/**
 * Realizes a topology in the virtual network: nodes, external hosts, every pod the manifests
 * create (wired as the bridge + host-local plugins wire them), Services with their addresses
 * allocated and EndpointSlices. Pods without spec.nodeName are spread round-robin in node
 * order, which is what the scheduler's least-allocated score with round-robin ties gives for
 * identical empty nodes.
 */
export function buildCluster(topology: TopologySpec, opts: { proxyMode?: ProxyMode } = {}): Cluster {
  const net = new Network();
  const { nodes, externals } = wireHosts(net, topology);
  const c = topology.cluster;

  const settings = bridgeSettingsFrom(c.cni.conflist);
  const ranges = new Map<string, HostLocalRange>();
  for (const n of topology.nodes) ranges.set(n.name, new HostLocalRange(n.name, n.podCIDR));
  const pods = new Map<string, PodInfo>();
  const podsByIp = new Map<Ip4, PodInfo>();
  const nodeList = [...nodes.values()];
  let rr = 0;
  for (const req of podRequests(topology)) {
    let node: NodeInfo | undefined;
    if (req.nodeName !== undefined) node = nodes.get(req.nodeName);
    else node = nodeList[rr++ % Math.max(1, nodeList.length)];
    if (node === undefined) throw new InputError('KW_CLUSTER_NO_NODE', `pod ${req.namespace}/${req.name} has no node to run on`);
    const key = `${req.namespace}/${req.name}`;
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
