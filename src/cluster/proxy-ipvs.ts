import { IpvsProxier, DUMMY_DEVICE } from '../proxy/index.js';
import { Ipvs, Netfilter, printIpvsadmList } from '../net/index.js';
import { macFromName, parseIp4, type Mac } from '../addr/index.js';
import type { Cluster } from './model.js';
import type { NodeProxy } from './kube-proxy.js';
import { KUBELET_RULES } from './kubelet-rules.js';
import { SharedProxyState } from '../proxy/index.js';

/**
 * kube-proxy in IPVS mode on every node: the proxier's sync is applied as the real one applies it
 * (ipset restore, iptables-restore --noflush, the IPVS table, addresses on the kube-ipvs0 dummy
 * device), and the node's netfilter and IPVS handlers are registered at their hooks.
 */
export function installIpvsProxy(cluster: Omit<Cluster, 'proxies' | 'announcements'>): Map<string, NodeProxy> {
  const state = new SharedProxyState();
  const out = new Map<string, NodeProxy>();
  const clusterCIDR = cluster.topology.cluster.clusterCIDR;
  for (const node of cluster.nodes.values()) {
    const ns = node.netns;
    const ifAddrs = [...ns.links.values()].filter((l) => l.kind !== 'loopback').flatMap((l) => l.addrs.map((a) => a.ip));
    const proxier = new IpvsProxier({ nodeName: node.spec.name, nodeIPs: [node.spec.ip], clusterCIDR, interfaceAddresses: ifAddrs }, state);
    for (const svc of cluster.services.values()) proxier.onServiceAdd(svc);
    for (const slice of cluster.endpointSlices) proxier.onEndpointSliceAdd(slice);
    const r = proxier.sync();
    const nf = new Netfilter(ns.name);
    nf.iptablesRestore(KUBELET_RULES, { noflush: true });
    nf.ipsetRestore(r.ipset);
    nf.iptablesRestore(proxier.nodeView(), { noflush: true });
    const ipvs = new Ipvs(ns.name);
    ipvs.replace(r.virtualServices);
    if (ns.link(DUMMY_DEVICE) === undefined) {
      ns.addLink({ kind: 'dummy', name: DUMMY_DEVICE, ifindex: ns.allocIfindex(), mac: macFromName(`${ns.name}/${DUMMY_DEVICE}`) as Mac, mtu: 1500, up: false, addrs: [], master: undefined, hairpin: false });
    }
    for (const a of r.dummyAddresses) ns.addAddr(DUMMY_DEVICE, { ip: parseIp4(a), prefix: 32 }, { noPrefixRoute: true });
    for (const { hook, handler } of [...nf.registrations(), ...ipvs.registrations()]) ns.registerHook(hook, handler);
    out.set(node.spec.name, {
      node: node.spec.name,
      mode: 'ipvs',
      proxier,
      netfilter: () => nf,
      iptablesSave: () => nf.iptablesSave(),
      rules: () => `# iptables-save\n${nf.iptablesSave()}# ipvsadm -Ln\n${printIpvsadmList(ipvs.list())}# ipset save\n${nf.ipsetSave()}`,
    });
  }
  return out;
}
