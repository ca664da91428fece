import { IptablesProxier, type Proxier, type ProxyMode, createSharedIptablesContext } from '../proxy/index.js';
import { type HookHandler, Netfilter } from '../net/index.js';
import type { Cluster, NodeInfo } from './model.js';
import { KUBELET_RULES } from './kubelet-rules.js';
import { installIpvsProxy } from './proxy-ipvs.js';
import { installNftablesProxy } from './proxy-nftables.js';
import { installUserspaceProxy } from './proxy-userspace.js';

/** One node's kube-proxy and the netfilter its rules are loaded into. */
export interface NodeProxy {
  readonly node: string;
  readonly mode: ProxyMode;
  readonly proxier: Proxier;
  /** The node's netfilter, with kubelet's and kube-proxy's rules loaded on first use. */
  netfilter(): Netfilter;
  /** `iptables-save` of the node as the real tool prints it. */
  iptablesSave(): string;
  /**
   * What `kubewire rules` prints: iptables-save in iptables mode; iptables-save, `ipvsadm -Ln` and
   * `ipset save` in IPVS mode; iptables-save in userspace mode; `nft list ruleset` in nftables mode.
   */
  rules(): string;
}

/** Runs kube-proxy in `mode` (default: the topology's proxyMode) on every node. */
export function installKubeProxy(cluster: Omit<Cluster, 'proxies' | 'announcements'>, mode: ProxyMode = cluster.topology.cluster.proxyMode): Map<string, NodeProxy> {
  switch (mode) {
    case 'iptables':
      return installIptablesProxy(cluster);
    case 'ipvs':
      return installIpvsProxy(cluster);
    case 'userspace':
      return installUserspaceProxy(cluster);
    case 'nftables':
      return installNftablesProxy(cluster);
  }
}

/**
 * Runs kube-proxy (iptables mode) on every node: one proxier per node over a shared change
 * tracker and render cache, so what is identical across nodes is rendered and stored once. A
 * node's rules are parsed into its netfilter only when a trace first reaches that node, so a
 * 5,000-node cluster pays for the nodes it is asked about.
 */
function installIptablesProxy(cluster: Omit<Cluster, 'proxies' | 'announcements'>): Map<string, NodeProxy> {
  const ctx = createSharedIptablesContext();
  const out = new Map<string, NodeProxy>();
  const clusterCIDR = cluster.topology.cluster.clusterCIDR;
  for (const node of cluster.nodes.values()) {
    const proxier = new IptablesProxier({ nodeName: node.spec.name, nodeIPs: [node.spec.ip], clusterCIDR }, ctx);
    for (const svc of cluster.services.values()) proxier.onServiceAdd(svc);
    for (const slice of cluster.endpointSlices) proxier.onEndpointSliceAdd(slice);
    out.set(node.spec.name, lazyNodeProxy(node, proxier));
  }
  return out;
}

function lazyNodeProxy(node: NodeInfo, proxier: IptablesProxier): NodeProxy {
  let nf: Netfilter | undefined;
  const load = (): Netfilter => {
    if (nf !== undefined) return nf;
    const staging = new Netfilter(node.netns.name);
    // kubelet's chains first, then kube-proxy's sync, as on a booting node.
    staging.iptablesRestore(KUBELET_RULES, { noflush: true });
    proxier.sync();
    staging.iptablesRestore(proxier.nodeView(), { noflush: true });
    // Reload what iptables-save prints, so every rule a trace names reads exactly as on a real
    // node (`--set-xmark 0x4000/0x4000`, `-s 10.0.0.1/32`, 11-digit probabilities), not as written.
    const n = new Netfilter(node.netns.name);
    n.iptablesRestore(staging.iptablesSave());
    nf = n;
    // From now on the node's hooks call the real handlers directly (same names, so they replace
    // the stand-ins); a hook already running keeps the list it started with. Shared handlers: the
    // nodes whose rules are the same share them (and so their hook lists), each finding its own
    // netfilter through its namespace.
    real = n.installShared(node.netns).map((r) => r.handler);
    return n;
  };
  // Register stand-ins at every hook now; they load the real rules the first time a packet arrives.
  const probe = new Netfilter(node.netns.name).registrations();
  let real: readonly HookHandler[] | undefined;
  probe.forEach(({ hook, handler }, index) => {
    const target = (): HookHandler => {
      if (real === undefined) load();
      const t = real?.[index];
      if (t === undefined) throw new Error(`netfilter registration #${index} vanished`);
      return t;
    };
    const lazy: HookHandler = {
      name: handler.name,
      priority: handler.priority,
      // The runner asks idle() right before it would call process(), so forwarding it loads the rules no earlier,
      // and lets it skip the node's empty raw/mangle/filter hooks as it does for a netfilter registered directly.
      idle: (h) => target().idle?.(h) ?? false,
      process: (h, skb, host) => target().process(h, skb, host),
    };
    node.netns.registerHook(hook, lazy);
  });
  return {
    node: node.spec.name,
    mode: 'iptables',
    proxier,
    netfilter: load,
    iptablesSave: () => load().iptablesSave(),
    rules: () => load().iptablesSave(),
  };
}
