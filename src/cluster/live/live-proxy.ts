import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../api/index.js';
import { type Informers, R } from '../../controllers/index.js';
import { type HookHandler, Netfilter } from '../../net/index.js';
import { createSharedIptablesContext, IptablesProxier } from '../../proxy/index.js';
import type { TopologySpec } from '../../topology/index.js';
import type { NodeProxy } from '../kube-proxy.js';
import { KUBELET_RULES } from '../kubelet-rules.js';
import type { NodeInfo } from '../model.js';
import { mergePluginRules, writesRules } from '../plugin-rules.js';

/** The rules a node's CNI plugins wrote (ipMasq's CNI-… chains, portmap's CNI-HOSTPORT-…), with a change count. */
export interface CniRules {
  /** Changes whenever a pod's ADD or DEL may have changed the rules. */
  readonly version: number;
  readonly netfilter: Netfilter | undefined;
}

/**
 * kube-proxy (iptables mode) on every node of a live cluster: the proxiers follow Service and
 * EndpointSlice watch events, and a node's netfilter is (re)loaded from its proxier's rules the
 * first time a packet reaches the node after a change, as a sync would have left it. The CNI
 * plugins' rules of the node (`cniRules`) are merged around kube-proxy's as on a real node (see
 * mergePluginRules).
 */
export class LiveKubeProxy {
  readonly proxies = new Map<string, NodeProxy>();
  private version = 0;

  constructor(
    topology: TopologySpec,
    nodes: ReadonlyMap<string, NodeInfo>,
    informers: Informers,
    private readonly cniRules: (node: string) => CniRules | undefined = () => undefined,
  ) {
    const ctx = createSharedIptablesContext();
    const list: IptablesProxier[] = [];
    for (const node of nodes.values()) {
      const proxier = new IptablesProxier({ nodeName: node.spec.name, nodeIPs: [node.spec.ip], clusterCIDR: topology.cluster.clusterCIDR }, ctx);
      list.push(proxier);
      this.proxies.set(node.spec.name, this.lazy(node, proxier));
    }
    // One proxier's handler feeds the shared state all of them render from.
    const first = list[0];
    if (first === undefined) return;
    informers.on(R.services, (type, o, old) => {
      const svc = o as unknown as Service;
      if (type === 'ADDED') first.onServiceAdd(svc);
      else if (type === 'MODIFIED') first.onServiceUpdate(old as unknown as Service, svc);
      else first.onServiceDelete(svc);
      this.version++;
    });
    informers.on(R.endpointSlices, (type, o: KubeObject, old) => {
      const s = o as unknown as EndpointSlice;
      if (type === 'ADDED') first.onEndpointSliceAdd(s);
      else if (type === 'MODIFIED') first.onEndpointSliceUpdate(old as unknown as EndpointSlice, s);
      else first.onEndpointSliceDelete(s);
      this.version++;
    });
  }

  private lazy(node: NodeInfo, proxier: IptablesProxier): NodeProxy {
    let nf: Netfilter | undefined;
    let loaded = -1;
    let cniLoaded = -1;
    const load = (): Netfilter => {
      const cni = this.cniRules(node.spec.name);
      const cniVersion = cni?.version ?? -1;
      if (nf !== undefined && loaded === this.version && cniLoaded === cniVersion) return nf;
      let n = new Netfilter(node.netns.name);
      n.iptablesRestore(KUBELET_RULES, { noflush: true });
      proxier.sync();
      n.iptablesRestore(proxier.nodeView(), { noflush: true });
      if (cni?.netfilter !== undefined && writesRules(cni.netfilter)) {
        const merged = mergePluginRules(n.iptablesSave(), cni.netfilter);
        n = new Netfilter(node.netns.name);
        n.iptablesRestore(merged);
      }
      nf = n;
      loaded = this.version;
      cniLoaded = cniVersion;
      return n;
    };
    const probe = new Netfilter(node.netns.name);
    probe.registrations().forEach(({ hook, handler }, index) => {
      const stand: HookHandler = {
        name: handler.name,
        priority: handler.priority,
        process: (h, skb, host) => {
          const real = load().registrations()[index];
          if (real === undefined) throw new Error(`netfilter registration #${index} vanished`);
          return real.handler.process(h, skb, host);
        },
      };
      node.netns.registerHook(hook, stand);
    });
    return { node: node.spec.name, mode: 'iptables', proxier, netfilter: load, iptablesSave: () => load().iptablesSave(), rules: () => load().iptablesSave() };
  }
}
