import { Netfilter } from '../net/index.js';
import { SharedProxyState, UserspaceProxier, UserspaceSockets } from '../proxy/index.js';
import type { Cluster } from './model.js';
import type { NodeProxy } from './kube-proxy.js';
import { KUBELET_RULES } from './kubelet-rules.js';

/** kube-proxy in userspace mode on every node: the portal rules in the node's netfilter, the proxy sockets at the end of INPUT. */
export function installUserspaceProxy(cluster: Omit<Cluster, 'proxies' | 'announcements'>): Map<string, NodeProxy> {
  const state = new SharedProxyState();
  const out = new Map<string, NodeProxy>();
  for (const node of cluster.nodes.values()) {
    const ns = node.netns;
    const proxier = new UserspaceProxier({ nodeName: node.spec.name, nodeIPs: [node.spec.ip] }, state);
    for (const svc of cluster.services.values()) proxier.onServiceAdd(svc);
    for (const slice of cluster.endpointSlices) proxier.onEndpointSliceAdd(slice);
    const r = proxier.sync();
    const nf = new Netfilter(ns.name);
    nf.iptablesRestore(KUBELET_RULES, { noflush: true });
    nf.iptablesRestore(proxier.nodeView(), { noflush: true });
    const sockets = new UserspaceSockets(ns.name);
    sockets.replace(r.sockets);
    const reg = sockets.registration();
    for (const { hook, handler } of [...nf.registrations(), reg]) ns.registerHook(hook, handler);
    const listing = (): string => sockets.list().map((s) => `${s.proto.toUpperCase()} 0.0.0.0:${s.proxyPort} ${s.name} -> ${s.endpoints.join(', ') || '(no endpoints)'}${s.affinitySeconds > 0 ? ` (ClientIP affinity ${s.affinitySeconds}s)` : ''}`).join('\n');
    out.set(node.spec.name, {
      node: node.spec.name,
      mode: 'userspace',
      proxier,
      netfilter: () => nf,
      iptablesSave: () => nf.iptablesSave(),
      rules: () => `# iptables-save\n${nf.iptablesSave()}# kube-proxy proxy sockets (ss -ltnup)\n${listing()}\n`,
    });
  }
  return out;
}
