import { type Ip4, ip4ToString, parseIp4 } from '../../../addr/index.js';
import { InputError } from '../../../lib/index.js';
import type { ProxierConfig } from '../../types.js';
import type { ServiceRenderConfig } from './render-service.js';

/** ProxierConfig with kube-proxy's defaults applied and derived values computed once. */
export interface ResolvedConfig {
  readonly nodeName: string;
  readonly nodeIP: Ip4 | undefined;
  readonly mark: string;
  readonly masqueradeAll: boolean;
  readonly clusterCIDR: string | undefined;
  /** Effective: false when --nodeport-addresses excludes 127.0.0.1 (NewProxier). */
  readonly localhostNodePorts: boolean;
  /** undefined = match all local addresses (`-m addrtype --dst-type LOCAL`). */
  readonly nodePortIPs: readonly string[] | undefined;
  readonly largeClusterThreshold: number;
  readonly randomFully: boolean;
  readonly nfacct: boolean;
  readonly conntrackTCPLiberal: boolean;
  readonly render: ServiceRenderConfig;
}

/** Go's %#08x: "0x" + at least 8 hex digits (the width counts digits only). */
export function goMarkText(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/** Validates and resolves; throws InputError KW_PROXY_BAD_CONFIG naming the field. */
export function resolveConfig(c: ProxierConfig): ResolvedConfig {
  const bit = c.masqueradeBit ?? 14;
  if (!Number.isInteger(bit) || bit < 0 || bit > 31) {
    throw new InputError('KW_PROXY_BAD_CONFIG', `masqueradeBit ${bit} must be an integer in [0, 31] (kube-proxy validation)`, { where: 'ProxierConfig.masqueradeBit' });
  }
  if (c.nodeName === '') {
    throw new InputError('KW_PROXY_BAD_CONFIG', 'nodeName must not be empty: locality of endpoints is decided by nodeName', { where: 'ProxierConfig.nodeName' });
  }
  const npa = c.nodePortAddresses ?? [];
  const matchAll = npa.length === 0 || npa.some((x) => x.prefix === 0);
  const loopback = parseIp4('127.0.0.1');
  const containsLoopback = matchAll || npa.some((x) => x.contains(loopback));
  const localhostNodePorts = (c.localhostNodePorts ?? true) && containsLoopback;
  let nodePortIPs: string[] | undefined;
  if (!matchAll) {
    const addrs = c.interfaceAddresses ?? [loopback, ...c.nodeIPs];
    nodePortIPs = [];
    for (const a of addrs) {
      if (!npa.some((x) => x.contains(a))) continue;
      // Loopback NodePorts need route_localnet, which kube-proxy only sets with localhostNodePorts.
      if (a >>> 24 === 127 && !localhostNodePorts) continue;
      nodePortIPs.push(ip4ToString(a));
    }
  }
  const nfacct = c.nfacct ?? true;
  const clusterCIDR = c.clusterCIDR?.toString();
  return {
    nodeName: c.nodeName,
    nodeIP: c.nodeIPs[0],
    mark: c.masqueradeMarkText ?? goMarkText(2 ** bit),
    masqueradeAll: c.masqueradeAll ?? false,
    clusterCIDR,
    localhostNodePorts,
    nodePortIPs,
    largeClusterThreshold: c.largeClusterThreshold ?? 1000,
    randomFully: c.randomFully ?? true,
    nfacct,
    conntrackTCPLiberal: c.conntrackTCPLiberal ?? false,
    render: { masqueradeAll: c.masqueradeAll ?? false, clusterCIDR, localhostNodePortNfacct: localhostNodePorts && nfacct },
  };
}
