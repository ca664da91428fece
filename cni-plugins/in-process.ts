import {
  CniRuntime, Delegator, fnv32Hex, InProcessInvoker, MemoryFiles, MemoryResultCache,
  type CniPlugin, type HostFiles, type PluginHost, type RegisteredPlugin, type ResultCache,
} from '../src/cni/index.js';
import { VirtualKernel, type VirtualIptables } from '../src/kernel/index.js';
import type { Network } from '../src/net/index.js';
import { hostLocal } from './ipam/host-local/index.js';
import { bridge } from './main/bridge/index.js';
import { loopback } from './main/loopback/index.js';
import { ptp } from './main/ptp/index.js';
import { vxlan } from './main/vxlan/index.js';
import { portmap } from './meta/portmap/index.js';
import { pluginInfo } from './pkg/common.js';

/** Every plugin in cni-plugins/, by the `type` a conflist names it with. */
export const PLUGINS: Readonly<Record<string, CniPlugin<PluginHost>>> = {
  bridge, 'host-local': hostLocal, loopback, ptp, portmap, vxlan,
};

export function pluginRegistry(): Record<string, RegisteredPlugin<PluginHost>> {
  return Object.fromEntries(Object.entries(PLUGINS).map(([name, plugin]) => [name, { plugin, info: pluginInfo(name) }]));
}

export interface InProcessCniOptions {
  readonly network: Network;
  /** The namespace the plugins run in (the node's root netns name). */
  readonly host: string;
  /** Per-namespace netfilter (net/netfilter's Netfilter fits); needed for ipMasq and portmap. */
  readonly netfilter?: (netns: string) => VirtualIptables;
  /** Plugin state (host-local leases); default: fresh memory files, one per node. */
  readonly files?: HostFiles;
  /** Host veth names; default `veth` + FNV-1a of the container id (redrawn on a clash). */
  readonly vethName?: (containerId: string, ifName: string, attempt: number) => string;
  readonly cache?: ResultCache;
}

export interface InProcessCni {
  readonly runtime: CniRuntime;
  readonly kernel: VirtualKernel;
  readonly host: PluginHost;
  readonly files: HostFiles;
}

/**
 * Our plugins in this process on the virtual kernel of one node, behind the same CniRuntime a real runtime uses:
 * `runtime.addNetworkList(list, {containerId, netns: '/run/netns/<pod netns name>', ifName: 'eth0', capabilityArgs})`.
 * Delegation (bridge → host-local) goes through the same in-process invoker.
 */
export function inProcessCni(o: InProcessCniOptions): InProcessCni {
  const kernel = new VirtualKernel(o.network, { host: o.host, ...(o.netfilter === undefined ? {} : { netfilter: o.netfilter }) });
  const files = o.files ?? new MemoryFiles();
  const reg = pluginRegistry();
  let invoker: InProcessInvoker<PluginHost> | undefined;
  const host: PluginHost = {
    kernel,
    files,
    delegate: new Delegator({
      find: (t, p) => (invoker as InProcessInvoker<PluginHost>).find(t, p),
      invoke: (l, s, e, op) => (invoker as InProcessInvoker<PluginHost>).invoke(l, s, e, op),
      invokeJson: (l, r, e, op) => (invoker as InProcessInvoker<PluginHost>).invokeJson(l, r, e, op),
      findNow: (t, p) => (invoker as InProcessInvoker<PluginHost>).findNow(t, p),
      invokeJsonNow: (l, r, e, op) => (invoker as InProcessInvoker<PluginHost>).invokeJsonNow(l, r, e, op),
    }),
    vethName: o.vethName ?? ((cid, ifName, attempt) => `veth${fnv32Hex(attempt === 0 ? cid : `${cid}/${ifName}#${attempt}`)}`),
  };
  invoker = new InProcessInvoker(reg, host);
  const runtime = new CniRuntime({ invoker, path: ['/opt/cni/bin'], cache: o.cache ?? new MemoryResultCache() });
  return { runtime, kernel, host, files };
}
