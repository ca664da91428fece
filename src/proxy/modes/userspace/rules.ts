import type { ServicePortInfo } from '../../service-port.js';
import type { BuiltinJump } from '../../builtin-view.js';

export const PORTALS_CONTAINER = 'KUBE-PORTALS-CONTAINER';
export const PORTALS_HOST = 'KUBE-PORTALS-HOST';
export const NODEPORT_CONTAINER = 'KUBE-NODEPORT-CONTAINER';
export const NODEPORT_HOST = 'KUBE-NODEPORT-HOST';
export const NODEPORT_NON_LOCAL = 'KUBE-NODEPORT-NON-LOCAL';

/** The jumps the userspace proxier ensures (pkg/proxy/userspace/proxier.go iptablesInit). */
export const USERSPACE_JUMPS: readonly BuiltinJump[] = [
  { table: 'nat', from: 'OUTPUT', args: `-m comment --comment "handle ClusterIPs; NOTE: this must be before the NodePort rules" -j ${PORTALS_HOST}`, position: 'prepend' },
  { table: 'nat', from: 'PREROUTING', args: `-m comment --comment "handle ClusterIPs; NOTE: this must be before the NodePort rules" -j ${PORTALS_CONTAINER}`, position: 'prepend' },
  { table: 'nat', from: 'OUTPUT', args: `-m addrtype --dst-type LOCAL -m comment --comment "handle service NodePorts; NOTE: this must be the last rule in the chain" -j ${NODEPORT_HOST}`, position: 'append' },
  { table: 'nat', from: 'PREROUTING', args: `-m addrtype --dst-type LOCAL -m comment --comment "handle service NodePorts; NOTE: this must be the last rule in the chain" -j ${NODEPORT_CONTAINER}`, position: 'append' },
  { table: 'filter', from: 'INPUT', args: `-m comment --comment "Ensure that non-local NodePort traffic can flow" -j ${NODEPORT_NON_LOCAL}`, position: 'prepend' },
];

/** iptablesCommonPortalArgs: comment, protocol, service port, the portal address, and the optional physdev / addrtype matches. */
function portalArgs(svc: ServicePortInfo, ip: string, physdev: boolean, dstLocal: boolean): string {
  const c = /\s/.test(svc.nameString) ? `"${svc.nameString}"` : svc.nameString;
  let a = `-m comment --comment ${c} -p ${svc.proto} -m ${svc.proto} --dport ${svc.port} -d ${ip}/32`;
  if (physdev) a += ' -m physdev ! --physdev-is-in';
  if (dstLocal) a += ' -m addrtype --dst-type LOCAL';
  return a;
}

/**
 * One service port's portal rules: traffic to a portal (ClusterIP, LoadBalancer IP, ExternalIP)
 * or a NodePort is redirected to the proxy's socket on this node. Containers (PREROUTING) get
 * REDIRECT (listen address 0.0.0.0); the host (OUTPUT) gets DNAT to the node IP, since REDIRECT
 * in OUTPUT would pick 127.0.0.1 (openOnePortal / openNodePort).
 */
export function userspaceServiceRules(svc: ServicePortInfo, proxyPort: number, hostIP: string): { nat: string[]; filter: string[] } {
  const nat: string[] = [];
  const filter: string[] = [];
  const redirect = `-j REDIRECT --to-ports ${proxyPort}`;
  const dnat = `-j DNAT --to-destination ${hostIP}:${proxyPort}`;
  const portal = (ip: string, external: boolean): void => {
    if (external) {
      nat.push(`-A ${PORTALS_CONTAINER} ${portalArgs(svc, ip, false, true)} ${redirect}`);
      nat.push(`-A ${PORTALS_CONTAINER} ${portalArgs(svc, ip, true, false)} ${redirect}`);
      nat.push(`-A ${PORTALS_HOST} ${portalArgs(svc, ip, false, true)} ${dnat}`);
      return;
    }
    nat.push(`-A ${PORTALS_CONTAINER} ${portalArgs(svc, ip, false, false)} ${redirect}`);
    nat.push(`-A ${PORTALS_HOST} ${portalArgs(svc, ip, false, false)} ${dnat}`);
  };
  portal(svc.clusterIP, false);
  for (const ip of svc.externalIPs) portal(ip, true);
  for (const ip of svc.loadBalancerVIPs) portal(ip, false);
  if (svc.nodePort !== 0) {
    const c = /\s/.test(svc.nameString) ? `"${svc.nameString}"` : svc.nameString;
    const np = `-m comment --comment ${c} -p ${svc.proto} -m ${svc.proto} --dport ${svc.nodePort}`;
    nat.push(`-A ${NODEPORT_CONTAINER} ${np} ${redirect}`);
    nat.push(`-A ${NODEPORT_HOST} ${np} ${dnat}`);
    filter.push(`-A ${NODEPORT_NON_LOCAL} -m comment --comment ${c} -p ${svc.proto} -m ${svc.proto} --dport ${proxyPort} -m state --state NEW -j ACCEPT`);
  }
  return { nat, filter };
}

export function userspaceRestore(nat: readonly string[], filter: readonly string[]): string {
  const d = (c: string): string => `:${c} - [0:0]`;
  return ['*nat', d(PORTALS_CONTAINER), d(PORTALS_HOST), d(NODEPORT_CONTAINER), d(NODEPORT_HOST), ...nat, 'COMMIT', '*filter', d(NODEPORT_NON_LOCAL), ...filter, 'COMMIT', ''].join('\n');
}
