import { type Ip4, ip4ToString } from '../../addr/index.js';
import type { PodNetwork, Sandbox, SandboxRequest } from '../../kubelet/index.js';
import { InputError } from '../../lib/index.js';
import type { Network } from '../../net/index.js';
import type { NodeInfo } from '../model.js';
import { netnsNameForPod } from '../model.js';
import { type BridgeSettings, wirePod } from '../pod-network.js';

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
 * The PodNetwork of one node over today's in-memory wiring: ADD makes the pod's namespace and
 * wires it as the bridge plugin with host-local does (wirePod); DEL removes the veth (its bridge
 * port and FDB entries go with it), the namespace, and releases the address.
 */
export class WiredPodNetwork implements PodNetwork {
  private readonly pods = new Map<string, { ip: Ip4; netns: string; hostVeth: string }>();
  private readonly ipam: HostLocalAllocator;

  constructor(
    private readonly net: Network,
    private readonly node: NodeInfo,
    private readonly settings: BridgeSettings,
  ) {
    this.ipam = new HostLocalAllocator(node.spec.name, node.spec.podCIDR);
  }

  private id(p: SandboxRequest): string {
    return `${p.namespace}/${p.name}`;
  }

  setUp(p: SandboxRequest): Sandbox {
    const id = this.id(p);
    const have = this.pods.get(id);
    if (have !== undefined) return { ip: ip4ToString(have.ip), netns: have.netns };
    const ip = this.ipam.allocate(id);
    const name = netnsNameForPod(p.namespace, p.name);
    const ns = this.net.addNetns(name, { kind: 'pod', node: this.node.spec.name, pod: id });
    const hostVeth = wirePod(this.net, this.node, ns, id, ip, this.ipam.gateway, this.settings);
    this.pods.set(id, { ip, netns: name, hostVeth });
    return { ip: ip4ToString(ip), netns: name };
  }

  tearDown(p: SandboxRequest): void {
    const id = this.id(p);
    const have = this.pods.get(id);
    if (have === undefined) return;
    const nodeNs = this.node.netns;
    const br = nodeNs.link(this.settings.bridge);
    if (br?.kind === 'bridge') {
      br.ports.delete(have.hostVeth);
      br.fdb.removePort(have.hostVeth);
    }
    nodeNs.removeLink(have.hostVeth);
    this.net.netns.delete(have.netns);
    this.ipam.release(id);
    this.pods.delete(id);
  }

  hostVethOf(id: string): string | undefined {
    return this.pods.get(id)?.hostVeth;
  }
}
