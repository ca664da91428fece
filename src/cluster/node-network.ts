import { Cidr4, ip4 } from '../addr/index.js';
import type { Netns, Network } from '../net/index.js';
import type { NodeSpec, TopologySpec } from '../topology/index.js';
import { type ExternalInfo, type NodeInfo, netnsNameForExternal, netnsNameForNode } from './model.js';

/** flannel's VXLAN defaults: device flannel.1, VNI 1, UDP 8472 (the Linux kernel's old default port). */
export const FLANNEL_DEV = 'flannel.1';
export const FLANNEL_VNI = 1;
export const FLANNEL_PORT = 8472;
export const NODE_NETWORK = 'node-network';

/**
 * A node's root namespace: eth0 on the node network, the default route to the gateway, the
 * sysctls kube-proxy and the CNI plugins need, and the pod network backend: host-gw (a route
 * per remote podCIDR via that node's IP) or vxlan as flannel builds it (a VTEP holding the
 * podCIDR's network address as /32, onlink routes via remote VTEP addresses, static neighbour
 * and FDB entries). The per-node routes live once, in the network's shared tables.
 */
export function wireNode(net: Network, topology: TopologySpec, node: NodeSpec): Netns {
  const c = topology.cluster;
  const ns = net.addNetns(netnsNameForNode(node.name), { kind: 'node', node: node.name }, {
    sharedRoutes: true,
    sysctl: { ipForward: true, bridgeNfCallIptables: true, routeLocalnet: false },
  });
  const segment = net.segment(NODE_NETWORK);
  net.addUplink(ns, 'eth0', segment, { ip: node.ip, prefix: c.nodeNetwork.cidr.prefix });
  if (c.nodeNetwork.gateway !== undefined) {
    ns.addRoute({ dst: new Cidr4(ip4(0), 0), type: 'unicast', gateway: c.nodeNetwork.gateway, dev: 'eth0', proto: 'static', scope: 'global' });
    net.gateways.add(NODE_NETWORK, c.nodeNetwork.gateway);
  }
  if (c.network === 'host-gw') {
    net.podRoutes.set(node.name, { dst: node.podCIDR, type: 'unicast', gateway: node.ip, dev: 'eth0', proto: 'boot', scope: 'global' });
  } else {
    const vtepIp = node.podCIDR.network;
    const vx = net.addVxlan(ns, { name: FLANNEL_DEV, vni: FLANNEL_VNI, port: FLANNEL_PORT, local: node.ip, dev: 'eth0', shared: true });
    ns.addAddr(FLANNEL_DEV, { ip: vtepIp, prefix: 32 });
    net.podRoutes.set(node.name, { dst: node.podCIDR, type: 'unicast', gateway: vtepIp, dev: FLANNEL_DEV, onlink: true, proto: 'boot', scope: 'global' });
    net.vtepNeigh.byIp.set(vtepIp, { owner: node.name, entry: { ip: vtepIp, dev: FLANNEL_DEV, mac: vx.mac, state: 'PERMANENT' } });
    net.vtepFdb.set(vx.mac, { vtep: node.ip, owner: node.name });
  }
  return ns;
}

/**
 * The hosts of a topology on the virtual network: every node's root namespace (wireNode) and
 * every external host, which sits on the node network with only its connected route and, when
 * the topology has one, a default route to the gateway.
 */
export function wireHosts(net: Network, topology: TopologySpec): { nodes: Map<string, NodeInfo>; externals: Map<string, ExternalInfo> } {
  const nodes = new Map<string, NodeInfo>();
  for (const spec of topology.nodes) nodes.set(spec.name, { spec, netns: wireNode(net, topology, spec) });
  const externals = new Map<string, ExternalInfo>();
  const nn = topology.cluster.nodeNetwork;
  for (const e of topology.external) {
    const ns = net.addNetns(netnsNameForExternal(e.name), { kind: 'external', name: e.name });
    net.addUplink(ns, 'eth0', net.segment(NODE_NETWORK), { ip: e.ip, prefix: nn.cidr.prefix });
    if (nn.gateway !== undefined) {
      ns.addRoute({ dst: new Cidr4(ip4(0), 0), type: 'unicast', gateway: nn.gateway, dev: 'eth0', proto: 'static', scope: 'global' });
    }
    externals.set(e.name, { name: e.name, ip: e.ip, netns: ns });
  }
  return { nodes, externals };
}
