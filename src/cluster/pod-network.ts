import { Cidr4, type Ip4, ip4, ip4ToString, parseIfAddr } from '../addr/index.js';
import { type CapabilityArgs, CniPluginError, confListFromJson, convertResult, fnv32Hex, type NetworkConfigList, type PortMapping, type Result100 } from '../cni/index.js';
import type { VirtualIptables } from '../kernel/index.js';
import { InputError, KubewireError } from '../lib/index.js';
import type { Netns, Network } from '../net/index.js';
import { DEFAULT_CONFLIST, type NodeSpec } from '../topology/index.js';
import { inProcessCni, type InProcessCni } from '../../cni-plugins/in-process.js';
import type { ContainerPort } from './model.js';
import { hostVethName } from './names.js';

/** The bridge plugin's settings that shape a pod's wiring (containernetworking/plugins names and defaults). */
export interface BridgeSettings {
  readonly bridge: string;
  readonly isGateway: boolean;
  readonly hairpinMode: boolean;
  readonly ipMasq: boolean;
  readonly mtu: number;
  /** The conflist these settings were read from (undefined: the default bridge + host-local + portmap one). */
  readonly conflist?: unknown;
}

export const DEFAULT_BRIDGE: BridgeSettings = { bridge: 'cni0', isGateway: true, hairpinMode: false, ipMasq: false, mtu: 1500 };

/** Reads bridge settings from a conflist's bridge plugin, if it has one; defaults as the plugin's. */
export function bridgeSettingsFrom(conflist: unknown): BridgeSettings {
  const plugins = typeof conflist === 'object' && conflist !== null ? (conflist as { plugins?: unknown }).plugins : undefined;
  const bridge = Array.isArray(plugins) ? (plugins as unknown[]).find((p) => typeof p === 'object' && p !== null && (p as { type?: unknown }).type === 'bridge') : undefined;
  if (bridge === undefined) return conflist === undefined ? DEFAULT_BRIDGE : { ...DEFAULT_BRIDGE, conflist };
  const b = bridge as Record<string, unknown>;
  return {
    conflist,
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
  // MACs seeded as the virtual kernel seeds a veth it creates (<netns>/<ifname> of the first end), so a pod wired
  // here and one wired by the plugins print the same tables.
  const [podEnd, hostEnd] = net.addVethPair({ netns: podNs, name: 'eth0' }, { netns: nodeNs, name: hostName }, `${podNs.name}/eth0`);
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

/**
 * Whether wirePod does exactly what this conflist's plugins would: none (the default), or bridge with host-local
 * (optionally followed by portmap, which changes nothing without hostPort mappings) and no ipMasq. Anything else must
 * be wired through the CNI runtime.
 */
export function wirePodModels(conflist: unknown): boolean {
  if (conflist === undefined) return true;
  const plugins = typeof conflist === 'object' && conflist !== null ? (conflist as { plugins?: unknown }).plugins : undefined;
  if (!Array.isArray(plugins)) return false;
  const ps = plugins as unknown[];
  const obj = (p: unknown): Record<string, unknown> => (typeof p === 'object' && p !== null ? (p as Record<string, unknown>) : {});
  const [first, ...rest] = ps.map(obj);
  const ipam = obj(first?.['ipam']);
  const plain = (k: string) => first?.[k] === undefined;
  return first?.['type'] === 'bridge' && ipam['type'] === 'host-local' && first['ipMasq'] !== true
    && JSON.stringify(ipam['routes']) === '[{"dst":"0.0.0.0/0"}]' && plain('vlan') && plain('mac') && plain('promiscMode') && plain('forceAddress') && ipam['ranges'] === undefined && ipam['subnet'] === undefined
    && rest.every((p) => p['type'] === 'portmap');
}

/** Whether the conflist (the default one when none is given, which ends in portmap) chains the portmap plugin. */
export function chainsPortmap(conflist: unknown): boolean {
  const list = conflist ?? DEFAULT_CONFLIST;
  const plugins = typeof list === 'object' && list !== null ? (list as { plugins?: unknown }).plugins : undefined;
  return Array.isArray(plugins) && plugins.some((p: unknown) => typeof p === 'object' && p !== null && (p as { type?: unknown }).type === 'portmap');
}

/** The in-process CNI's container id for a pod (CNI ids allow letters, digits, "_", "." and "-"). */
export function containerIdFor(podKey: string): string {
  return `kw-${podKey.replaceAll('/', '_')}`;
}

/** A container port with the hostPort it may be published on: a topology's ContainerPort or a kubelet's mapping. */
export type PublishedPort = Pick<ContainerPort, 'containerPort' | 'protocol' | 'hostPort' | 'hostIP'>;

/** What a pod got from its CNI ADD. */
export interface CniPodAttachment {
  readonly ip: Ip4;
  readonly hostVeth: string;
  readonly result: Result100;
}

/**
 * One node's pods wired through the CNI runtime, as a kubelet with containerd does: the conflist's plugins run
 * in-process on the node's virtual kernel (cni-plugins/in-process.ts), ADD with `CNI_NETNS=/run/netns/<pod netns>`,
 * `CNI_IFNAME=eth0` and the `ipRanges` capability set to the node's podCIDR; DEL with the cached result. The host veth
 * is named as wirePod names it (vethXXXXXXXX of the pod key), so both paths print the same tables.
 */
export class CniNodeWiring {
  readonly cni: InProcessCni;
  private readonly list: NetworkConfigList;
  private readonly podOf = new Map<string, string>();

  constructor(
    private readonly node: { readonly spec: NodeSpec; readonly netns: Netns },
    net: Network,
    conflist: unknown,
    netfilter?: (netns: string) => VirtualIptables,
  ) {
    this.capabilityArgs = capabilityArgsFor(node.spec.podCIDR, []);
    this.list = confListFromJson(conflist ?? DEFAULT_CONFLIST, { source: conflist === undefined ? '<default conflist>' : 'cluster.cni.conflist' });
    this.cni = inProcessCni({
      network: net,
      host: node.netns.name,
      ...(netfilter === undefined ? {} : { netfilter }),
      vethName: (cid, ifName, attempt) => {
        const pod = this.podOf.get(cid) ?? cid;
        return attempt === 0 ? hostVethName(pod) : `veth${fnv32Hex(`${pod}/${ifName}#${attempt}`)}`;
      },
    });
  }

  /**
   * The node's podCIDR as the ipRanges capability: the same for every pod, so one deep-frozen value (the runtime then
   * builds the plugins' runtimeConfig from it once, and host-local parses the range once).
   */
  private readonly capabilityArgs: CapabilityArgs;

  /** The capability args of pods that publish hostPorts (ipRanges plus their portMappings), kept for their DEL. */
  private readonly podCaps = new Map<string, CapabilityArgs>();

  private rt(podKey: string, netnsName: string) {
    return { containerId: containerIdFor(podKey), netns: `/run/netns/${netnsName}`, ifName: 'eth0', capabilityArgs: this.podCaps.get(podKey) ?? this.capabilityArgs };
  }

  /**
   * CNI ADD for a pod whose namespace exists, with the portMappings capability for the container ports it publishes
   * on the node (hostPort), which a chained portmap plugin forwards. An exhausted podCIDR is KW_CNI_IPAM_EXHAUSTED;
   * any other plugin failure is KW_CNI_ADD_FAILED. The plugins undo a failed ADD (no veth, no lease is left).
   */
  async add(podKey: string, podNs: Netns, ports: readonly PublishedPort[] = []): Promise<CniPodAttachment> {
    const portMappings = portMappingsOf(ports);
    // The runtime hands DEL the same capability args as ADD (containerd keeps them with the sandbox), so portmap
    // finds the pod's mappings again when it removes them.
    if (portMappings.length > 0) this.podCaps.set(podKey, capabilityArgsFor(this.node.spec.podCIDR, portMappings));
    const rt = this.rt(podKey, podNs.name);
    this.podOf.set(rt.containerId, podKey);
    let res: Result100;
    try {
      res = convertResult(await this.cni.runtime.addNetworkList(this.list, rt), '1.0.0') as Result100;
    } catch (e) {
      this.podOf.delete(rt.containerId);
      this.podCaps.delete(podKey);
      if (e instanceof CniPluginError && e.msg.includes('no IP addresses available')) {
        throw new InputError('KW_CNI_IPAM_EXHAUSTED', `pod ${podKey} cannot get an address on node ${this.node.spec.name}: every address of its podCIDR ${this.node.spec.podCIDR.toString()} is taken (${e.message})`, { cause: e });
      }
      throw new KubewireError('KW_CNI_ADD_FAILED', `CNI ADD for pod ${podKey} on node ${this.node.spec.name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const contIdx = (res.interfaces ?? []).findIndex((i) => i.name === 'eth0' && i.sandbox === rt.netns);
    const ipc = (res.ips ?? []).find((i) => !i.address.includes(':') && (contIdx < 0 || i.interface === contIdx));
    if (ipc === undefined) throw new KubewireError('KW_CNI_ADD_FAILED', `CNI ADD for pod ${podKey} on node ${this.node.spec.name} returned no IPv4 address for eth0`);
    const host = (res.interfaces ?? []).find((i, j) => j !== contIdx && (i.sandbox ?? '') === '' && this.node.netns.link(i.name)?.kind === 'veth');
    return { ip: parseIfAddr(ipc.address).ip, hostVeth: host?.name ?? '', result: res };
  }

  /** CNI DEL (idempotent, as the spec requires). */
  async del(podKey: string, netnsName: string): Promise<void> {
    const rt = this.rt(podKey, netnsName);
    await this.cni.runtime.delNetworkList(this.list, rt);
    this.podOf.delete(rt.containerId);
    this.podCaps.delete(podKey);
  }
}

/** What the runtime passes as capability args: the node's podCIDR as ipRanges, and the pod's portMappings if any. */
export function capabilityArgsFor(podCIDR: Cidr4, portMappings: readonly PortMapping[]): CapabilityArgs {
  const ipRanges = Object.freeze([Object.freeze([Object.freeze({ subnet: podCIDR.toString() })])]);
  if (portMappings.length === 0) return Object.freeze({ ipRanges });
  const maps = portMappings.map((m) => Object.freeze(m.hostIP === undefined ? { hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.protocol } : { hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.protocol, hostIP: m.hostIP }));
  return Object.freeze({ ipRanges, portMappings: Object.freeze(maps) });
}

/**
 * The portMappings capability a CRI runtime gives the CNI plugins for a pod (containerd's toCNIPortMappings): one
 * mapping per container port published with a hostPort, its protocol in lower case, hostIP only when one is set.
 */
export function portMappingsOf(ports: readonly PublishedPort[]): PortMapping[] {
  const out: PortMapping[] = [];
  for (const p of ports) {
    if (p.hostPort === undefined || p.hostPort <= 0) continue;
    out.push({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol.toLowerCase(), ...(p.hostIP === undefined ? {} : { hostIP: p.hostIP }) });
  }
  return out;
}

/** The pods a node can hold: host-local hands out every address of the podCIDR but network, gateway and broadcast. */
export function podCapacity(podCIDR: Cidr4): number {
  return Math.max(0, podCIDR.size - 3);
}
