import { join } from 'node:path';
import { ip4ToString } from '../addr/index.js';
import { CniRuntime, MemoryResultCache, confListFromJson, type CniResult, type NetworkConfigList } from '../cni/index.js';
import { capabilityArgsFor, containerIdFor, portMappingsOf, type Cluster, type PodInfo } from '../cluster/index.js';
import { KubewireError } from '../lib/index.js';
import { DEFAULT_CONFLIST } from '../topology/index.js';
import { NetnsExecInvoker } from './netns-invoker.js';

/**
 * The topology's conflist for one node, with host-local's `dataDir` pointed into the cluster's work directory: all
 * nodes share the machine's filesystem, and the default /var/lib/cni/networks would mix their leases (and the
 * machine's own). Everything else is passed to the plugins as written.
 */
export function nodeConfList(cluster: Cluster, dataDir: string): NetworkConfigList {
  const raw = cluster.topology.cluster.cni.conflist ?? DEFAULT_CONFLIST;
  const json = JSON.parse(JSON.stringify(raw)) as { plugins?: unknown };
  const plugins = Array.isArray(json.plugins) ? (json.plugins as unknown[]) : [];
  for (const p of plugins) {
    if (typeof p !== 'object' || p === null) continue;
    const ipam = (p as { ipam?: unknown }).ipam;
    if (typeof ipam === 'object' && ipam !== null && (ipam as { type?: unknown }).type === 'host-local') (ipam as Record<string, unknown>)['dataDir'] = dataDir;
  }
  return confListFromJson(json, { source: cluster.topology.cluster.cni.conflistPath ?? 'the default conflist (topologies/cni/bridge.conflist)' });
}

/** The IPv4 address a CNI result gives the pod's interface, whatever the result version. */
export function resultIp4(result: CniResult): string | undefined {
  const ips = (result as { ips?: readonly { address?: unknown }[] }).ips ?? [];
  for (const c of ips) if (typeof c.address === 'string' && c.address.includes('.')) return c.address.split('/')[0];
  const legacy = (result as { ip4?: { ip?: unknown } }).ip4?.ip;
  return typeof legacy === 'string' ? legacy.split('/')[0] : undefined;
}

export interface PodAddOptions {
  readonly cluster: Cluster;
  readonly pod: PodInfo;
  readonly nodeNetns: string;
  readonly podNetns: string;
  readonly cniPath: readonly string[];
  readonly workDir: string;
}

/**
 * CNI ADD for one pod, run as a kubelet would: the whole chain, inside the node's namespace, with the node's podCIDR
 * through the ipRanges capability and the pod's hostPorts through portMappings. Every later comparison assumes the pod
 * got the emulator's address, so a different one is an error, not a warning. The container id is the one the
 * emulator's in-process CNI used: plugins name their chains and comments after it (portmap's CNI-DN-<hash>, bridge's
 * ipMasq CNI-<hash>), so the rules the real plugins write can be compared with the emulated ones text for text.
 */
export async function addPodNetwork(o: PodAddOptions): Promise<string> {
  const node = o.cluster.nodes.get(o.pod.node);
  if (node === undefined) throw new Error(`pod ${o.pod.key}: node ${o.pod.node} not in the cluster`);
  const list = nodeConfList(o.cluster, join(o.workDir, 'ipam', o.pod.node));
  const runtime = new CniRuntime({
    invoker: new NetnsExecInvoker(o.nodeNetns),
    path: o.cniPath,
    cache: new MemoryResultCache(),
    timeoutMs: 180_000,
    baseEnv: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  const containerId = containerIdFor(o.pod.key);
  const result = await runtime.addNetworkList(list, {
    containerId,
    netns: `/var/run/netns/${o.podNetns}`,
    ifName: 'eth0',
    // As the kubelet (dockershim/CRI) passes them: IgnoreUnknown lets plugins that do not know the K8S_* keys accept them.
    args: [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', o.pod.namespace], ['K8S_POD_NAME', o.pod.name], ['K8S_POD_INFRA_CONTAINER_ID', containerId]],
    // The capability args the emulator's kubelet hands its in-process runtime, so both sides run the same ADD.
    capabilityArgs: capabilityArgsFor(node.spec.podCIDR, portMappingsOf(o.pod.ports)),
  });
  const got = resultIp4(result);
  const want = ip4ToString(o.pod.ip);
  if (got !== want) {
    throw new KubewireError(
      'KW_REALIZE_IP_MISMATCH',
      `pod ${o.pod.key} on ${o.pod.node}: the CNI chain gave ${got ?? 'no IPv4 address'} but the emulator gave ${want}; every comparison depends on equal addresses, so realize stops (is the conflist's IPAM host-local with a fresh dataDir?)`,
    );
  }
  return got;
}
