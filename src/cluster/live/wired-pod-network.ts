import { type Ip4, ip4ToString } from '../../addr/index.js';
import type { PodNetwork, Sandbox, SandboxRequest } from '../../kubelet/index.js';
import { InputError } from '../../lib/index.js';
import { Netfilter, type Network } from '../../net/index.js';
import type { NodeInfo } from '../model.js';
import { netnsNameForPod } from '../model.js';
import { type BridgeSettings, CniNodeWiring } from '../pod-network.js';
import type { CniRules } from './live-proxy.js';

/**
 * host-local's allocator with release: it remembers the last address it handed out and continues
 * after it (lastReservedIP), wrapping, so a replacement pod gets a new address, not the one just freed.
 */
export class HostLocalAllocator {
  private last = 1;
  private readonly used = new Map<number, string>();

  constructor(
    readonly node: string,
    readonly subnet: NodeInfo['spec']['podCIDR'],
  ) {}

  get gateway(): Ip4 {
    return this.subnet.nth(1);
  }

  allocate(id: string): Ip4 {
    const top = this.subnet.size - 2;
    for (let k = 0; k < top - 1; k++) {
      const i = ((this.last - 2 + 1 + k) % (top - 1)) + 2;
      if (!this.used.has(i)) {
        this.used.set(i, id);
        this.last = i;
        return this.subnet.nth(i);
      }
    }
    throw new InputError(
      'KW_CNI_IPAM_EXHAUSTED',
      `no IP addresses available in range set ${ip4ToString(this.subnet.nth(2))}-${ip4ToString(this.subnet.nth(top))} on node ${this.node} for pod ${id}`,
    );
  }

  release(id: string): void {
    for (const [i, who] of this.used) if (who === id) this.used.delete(i);
  }
}

/**
 * The PodNetwork of one node, as a kubelet with a CRI runtime has it: ADD makes the pod's namespace and runs the
 * topology's conflist (the default bridge + host-local + portmap one when it names none) through the CNI runtime,
 * in-process on the node's virtual kernel; DEL runs the list's DEL with the cached result, then removes the
 * namespace. A pod's hostPorts reach the plugins as the portMappings capability. The plugins' own iptables rules
 * (ipMasq, portmap) go into a netfilter of this node's CNI (`cniNetfilter`), which the node's kube-proxy merges with
 * its own rules (`cniRules`). A failed ADD leaves nothing behind: the plugins undo their
 * part and the namespace is removed; an exhausted podCIDR is KW_CNI_IPAM_EXHAUSTED.
 */
export class WiredPodNetwork implements PodNetwork {
  private readonly pods = new Map<string, { ip: Ip4; netns: string; hostVeth: string }>();
  private readonly wiring: CniNodeWiring;
  private readonly nf = new Map<string, Netfilter>();
  private changes = 0;

  constructor(
    private readonly net: Network,
    private readonly node: NodeInfo,
    settings: BridgeSettings,
  ) {
    this.wiring = new CniNodeWiring(node, net, settings.conflist, (ns) => {
      let f = this.nf.get(ns);
      if (f === undefined) this.nf.set(ns, (f = new Netfilter(ns)));
      return f;
    });
  }

  private id(p: SandboxRequest): string {
    return `${p.namespace}/${p.name}`;
  }

  async setUp(p: SandboxRequest): Promise<Sandbox> {
    const id = this.id(p);
    const have = this.pods.get(id);
    if (have !== undefined) return { ip: ip4ToString(have.ip), netns: have.netns };
    const name = netnsNameForPod(p.namespace, p.name);
    const ns = this.net.addNetns(name, { kind: 'pod', node: this.node.spec.name, pod: id });
    try {
      const a = await this.wiring.add(id, ns, p.portMappings ?? []);
      this.pods.set(id, { ip: a.ip, netns: name, hostVeth: a.hostVeth });
      this.changes++;
      return { ip: ip4ToString(a.ip), netns: name };
    } catch (e) {
      this.net.netns.delete(name);
      throw e;
    }
  }

  async tearDown(p: SandboxRequest): Promise<void> {
    const id = this.id(p);
    const have = this.pods.get(id);
    if (have === undefined) return;
    await this.wiring.del(id, have.netns);
    this.net.netns.delete(have.netns);
    this.pods.delete(id);
    this.changes++;
  }

  hostVethOf(id: string): string | undefined {
    return this.pods.get(id)?.hostVeth;
  }

  /** The node's CNI rules for its kube-proxy to merge with its own; every ADD and DEL counts as a change. */
  get cniRules(): CniRules {
    return { version: this.changes, netfilter: this.nf.get(this.node.netns.name) };
  }

  /** The netfilter the CNI plugins wrote into, per namespace (the node's). */
  get cniNetfilter(): ReadonlyMap<string, Netfilter> {
    return this.nf;
  }
}
