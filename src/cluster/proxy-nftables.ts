import { Netfilter, Nftables } from '../net/index.js';
import { NftablesProxier, SharedProxyState } from '../proxy/index.js';
import type { Cluster } from './model.js';
import type { NodeProxy } from './kube-proxy.js';
import { KUBELET_RULES } from './kubelet-rules.js';

/**
 * kube-proxy in nftables mode on every node: the `ip kube-proxy` table loaded into the node's
 * nftables, its base chains registered at their hooks. The node's (iptables) netfilter stays for
 * conntrack and the kubelet's chains. nft handlers are registered first, so at an equal priority
 * they run before the iptables nat handler, which then records the final NAT in conntrack.
 */
export function installNftablesProxy(cluster: Omit<Cluster, 'proxies' | 'announcements'>): Map<string, NodeProxy> {
  const state = new SharedProxyState();
  const out = new Map<string, NodeProxy>();
  const clusterCIDR = cluster.topology.cluster.clusterCIDR;
  for (const node of cluster.nodes.values()) {
    const ns = node.netns;
    const proxier = new NftablesProxier({ nodeName: node.spec.name, nodeIPs: [node.spec.ip], clusterCIDR }, state);
    for (const svc of cluster.services.values()) proxier.onServiceAdd(svc);
    for (const slice of cluster.endpointSlices) proxier.onEndpointSliceAdd(slice);
    const r = proxier.sync();
    const nft = new Nftables(ns.name);
    nft.load([r.table]);
    const nf = new Netfilter(ns.name);
    nf.iptablesRestore(KUBELET_RULES, { noflush: true });
    for (const { hook, handler } of [...nft.registrations(), ...nf.registrations()]) ns.registerHook(hook, handler);
    out.set(node.spec.name, {
      node: node.spec.name,
      mode: 'nftables',
      proxier,
      netfilter: () => nf,
      iptablesSave: () => nf.iptablesSave(),
      rules: () => nft.listRuleset(),
    });
  }
  return out;
}
