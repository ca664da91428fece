import { Cidr4, type Ip4, ip4, ip4ToString } from '../addr/index.js';
import { InputError } from '../lib/index.js';
import type { Netns, Network } from '../net/index.js';
import type { NodeSpec } from '../topology/index.js';
import { hostVethName } from './names.js';

/** The bridge plugin's settings that shape a pod's wiring (containernetworking/plugins names and defaults). */
export interface BridgeSettings {
  readonly bridge: string;
  readonly isGateway: boolean;
  readonly hairpinMode: boolean;
  readonly ipMasq: boolean;
  readonly mtu: number;
}

export const DEFAULT_BRIDGE: BridgeSettings = { bridge: 'cni0', isGateway: true, hairpinMode: false, ipMasq: false, mtu: 1500 };

/** Reads bridge settings from a conflist's bridge plugin, if it has one; defaults as the plugin's. */
export function bridgeSettingsFrom(conflist: unknown): BridgeSettings {
  const plugins = typeof conflist === 'object' && conflist !== null ? (conflist as { plugins?: unknown }).plugins : undefined;
  const bridge = Array.isArray(plugins) ? (plugins as unknown[]).find((p) => typeof p === 'object' && p !== null && (p as { type?: unknown }).type === 'bridge') : undefined;
  if (bridge === undefined) return DEFAULT_BRIDGE;
  const b = bridge as Record<string, unknown>;
  return {
    bridge: typeof b['bridge'] === 'string' ? b['bridge'] : 'cni0',
    isGateway: b['isGateway'] === true || b['isDefaultGateway'] === true,
    hairpinMode: b['hairpinMode'] === true,
    ipMasq: b['ipMasq'] === true,
    mtu: typeof b['mtu'] === 'number' ? b['mtu'] : 1500,
  };
}

/**
 * host-local's allocation on one node: the gateway is the range's first address, pods get the
 * next free ones in order (host-local walks from the last reserved address; on a fresh node
 * that is .2, .3, …), the broadcast address is never handed out.
 */
export class HostLocalRange {
  private next = 2;
  private readonly used = new Set<number>();

  constructor(readonly node: string, readonly subnet: Cidr4) {}

  get gateway(): Ip4 {
    return this.subnet.nth(1);
  }

  allocate(forPod: string): Ip4 {
    const last = this.subnet.size - 2;
    for (let tries = 0; tries < last; tries++) {
      const i = this.next;
      this.next = this.next >= last ? 2 : this.next + 1;
      if (!this.used.has(i)) {
        this.used.add(i);
        return this.subnet.nth(i);
      }
    }
    throw new InputError(
      'KW_CNI_IPAM_EXHAUSTED',
      `no IP addresses available in range set ${ip4ToString(this.subnet.nth(2))}-${ip4ToString(this.subnet.nth(last))} on node ${this.node} for pod ${forPod} (podCIDR ${this.subnet.toString()})`,
    );
  }
}

/**
 * What the bridge plugin with host-local does for one pod: create the bridge on first use
 * (holding the gateway address when isGateway), a veth pair with eth0 in the pod, the host end
 * enslaved (hairpin as configured), the pod's address, its connected route and a default route
 * via the gateway.
 */
export function wirePod(net: Network, node: { spec: NodeSpec; netns: Netns }, podNs: Netns, podKey: string, ip: Ip4, gateway: Ip4, settings: BridgeSettings): string {
  const nodeNs = node.netns;
  const prefix = node.spec.podCIDR.prefix;
  let br = nodeNs.link(settings.bridge);
  if (br === undefined) {
    br = net.addBridge(nodeNs, settings.bridge);
    br.mtu = settings.mtu;
    if (settings.isGateway) nodeNs.addAddr(settings.bridge, { ip: gateway, prefix });
  }
  const hostName = hostVethName(podKey);
  const [podEnd, hostEnd] = net.addVethPair({ netns: podNs, name: 'eth0' }, { netns: nodeNs, name: hostName }, podKey);
  podEnd.mtu = settings.mtu;
  hostEnd.mtu = settings.mtu;
  net.enslave(nodeNs, hostName, settings.bridge, { hairpin: settings.hairpinMode });
  podNs.addAddr('eth0', { ip, prefix });
  podNs.addRoute({ dst: new Cidr4(ip4(0), 0), type: 'unicast', gateway, dev: 'eth0', proto: 'boot', scope: 'global' });
  // The pod's first frame (its ARP for the gateway) teaches the bridge where its MAC lives.
  const podEth = podNs.link('eth0');
  if (br.kind === 'bridge' && podEth !== undefined) br.fdb.learn(podEth.mac, hostName);
  return hostName;
}
