import type { EndpointInfo } from '../../endpoint.js';
import { cidrString, type ServicePortInfo } from '../../service-port.js';
import { KUBE_EXTERNAL_SERVICES, KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, KUBE_SERVICES, LOCALHOST_NPS_COUNTER } from './chains.js';
import type { NodeVariant, RuleSink, ServiceRenderConfig } from './render-service.js';

/**
 * The lines of a service port that most Services do not have (render-service.ts writes the
 * others and calls these only when needed): REJECT/DROP filter lines, external and load-balancer
 * IPs, externalTrafficPolicy Local, load-balancer firewalls, session affinity, a single endpoint.
 */

const q = (s: string): string => `"${s}"`;

const LOCALHOST_NODEPORT_HEAD = `-A ${KUBE_NODEPORTS} -m comment --comment `;
const LOCALHOST_NODEPORT_NFACCT = ` -m nfacct --nfacct-name ${LOCALHOST_NPS_COUNTER} -j `;

/**
 * The KUBE-SERVICES lines of external and load-balancer IPs and the local-host NodePort line (in
 * kube-proxy's order, before the NodePort line), and every filter-table line of the port: REJECT
 * or DROP where it has no (local) endpoints, the firewall's DROP per load-balancer IP, and the
 * health check port's ACCEPT.
 */
export function emitOutsideLines(svc: ServicePortInfo, portMatch: string, hasEndpoints: boolean, hasInternal: boolean, hasExternal: boolean, cfg: ServiceRenderConfig, out: RuleSink): void {
  const { head, filter } = out;
  const name = svc.nameString;
  const extChain = svc.extChain;
  const usesFW = hasEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
  const lbChain = usesFW ? svc.fwChain : extChain;
  // kube-proxy: REJECT when the service has no endpoints at all, DROP when none is local. The
  // comment is made only for a port that writes such a line: this function also runs for every
  // NodePort (its local-host line), and most NodePorts write no filter line.
  const internalFilterTarget = hasEndpoints ? 'DROP' : 'REJECT';
  const needsFilterComment = !hasInternal || !hasExternal;
  const internalFilterComment = needsFilterComment ? q(hasEndpoints ? `${name} has no local endpoints` : `${name} has no endpoints`) : '';
  const externalFilterTarget = internalFilterTarget;
  const externalFilterComment = internalFilterComment;
  const dport = hasInternal && svc.externalIPs.length === 0 && svc.loadBalancerVIPs.length === 0 ? '' : `--dport ${svc.port}`;
  if (!hasInternal) {
    filter.push(`-A ${KUBE_SERVICES} -m comment --comment ${internalFilterComment} ${portMatch} -d ${svc.clusterIP} ${dport} -j ${internalFilterTarget}\n`);
  }
  for (const eip of svc.externalIPs) {
    if (hasEndpoints) {
      head.push(`-A ${KUBE_SERVICES} -m comment --comment ${q(`${name} external IP`)} ${portMatch} -d ${eip} ${dport} -j ${extChain}\n`);
    }
    if (!hasExternal) {
      filter.push(`-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalFilterComment} ${portMatch} -d ${eip} ${dport} -j ${externalFilterTarget}\n`);
    }
  }
  for (const lbip of svc.loadBalancerVIPs) {
    if (hasEndpoints) {
      head.push(`-A ${KUBE_SERVICES} -m comment --comment ${q(`${name} loadbalancer IP`)} ${portMatch} -d ${lbip} ${dport} -j ${lbChain}\n`);
    }
    if (usesFW) {
      filter.push(`-A ${KUBE_PROXY_FIREWALL} -m comment --comment ${q(`${name} traffic not accepted by ${svc.fwChain}`)} ${portMatch} -d ${lbip} ${dport} -j DROP\n`);
    }
  }
  if (!hasExternal) {
    for (const lbip of svc.loadBalancerVIPs) {
      filter.push(`-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalFilterComment} ${portMatch} -d ${lbip} ${dport} -j ${externalFilterTarget}\n`);
    }
  }
  if (svc.nodePort !== 0) {
    if (hasEndpoints && cfg.localhostNodePortNfacct) {
      // As flat pieces (every NodePort has this line): a template literal would be a rope to walk at the join.
      head.push(LOCALHOST_NODEPORT_HEAD, name, ' ', portMatch, ' -d 127.0.0.0/8 --dport ', String(svc.nodePort), LOCALHOST_NODEPORT_NFACCT, extChain, '\n');
    }
    if (!hasExternal) {
      filter.push(`-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalFilterComment} -m addrtype --dst-type LOCAL ${portMatch} --dport ${svc.nodePort} -j ${externalFilterTarget}\n`);
    }
  }
  if (svc.healthCheckNodePort !== 0) {
    filter.push(`-A ${KUBE_NODEPORTS} -m comment --comment ${q(`${name} health check node port`)} -m tcp -p tcp --dport ${svc.healthCheckNodePort} -j ACCEPT\n`);
  }
}

/** The EXT chain's rules under externalTrafficPolicy Local (before its jump to the SVL chain). */
export function writeLocalExternalRules(svc: ServicePortInfo, cfg: ServiceRenderConfig, rules: string[]): void {
  const name = svc.nameString;
  const extChain = svc.extChain;
  if (cfg.clusterCIDR !== undefined) {
    rules.push(`-A ${extChain} -m comment --comment ${q(`pod traffic for ${name} external destinations`)} -s ${cfg.clusterCIDR} -j ${svc.svcChain}\n`);
  }
  rules.push(`-A ${extChain} -m comment --comment ${q(`masquerade LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}\n`);
  rules.push(`-A ${extChain} -m comment --comment ${q(`route LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${svc.svcChain}\n`);
}

/** The FW chain of a load balancer with source ranges. */
export function writeFirewallChain(svc: ServicePortInfo, node: NodeVariant, out: RuleSink): void {
  const name = svc.nameString;
  const extChain = svc.extChain;
  out.chains.push(svc.fwChain);
  const fwArgs = `-A ${svc.fwChain} -m comment --comment ${q(`${name} loadbalancer IP`)}`;
  for (const cidr of svc.loadBalancerSourceRanges) out.rules.push(`${fwArgs} -s ${cidrString(cidr)} -j ${extChain}\n`);
  if (node.allowFromNode) {
    for (const lbip of svc.loadBalancerVIPs) out.rules.push(`${fwArgs} -s ${lbip} -j ${extChain}\n`);
  }
  // No target: the packet stays un-DNATed and KUBE-PROXY-FIREWALL (filter) drops it.
  out.rules.push(`-A ${svc.fwChain} -m comment --comment ${q(`other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`)}\n`);
}

/** The KUBE-SEP chains, in the general form (session affinity, or a single endpoint). */
export function writeEndpointChains(svc: ServicePortInfo, node: NodeVariant, portMatch: string, reach: readonly EndpointInfo[], out: RuleSink): void {
  const name = svc.nameString;
  const large = node.largeClusterMode;
  const rules = out.rules;
  for (const ep of reach) {
    const sep = ep.sepChain;
    out.chains.push(sep);
    rules.push('-A ', sep);
    if (!large) rules.push(' -m comment --comment ', name);
    rules.push(' -s ', ep.ip, ' -j KUBE-MARK-MASQ\n-A ', sep);
    if (!large) rules.push(' -m comment --comment ', name);
    if (svc.sessionAffinityClientIP) rules.push(' -m recent --name ', sep, ' --set');
    rules.push(' ', portMatch, ' -j DNAT --to-destination ', ep.str, '\n');
  }
}


/** Session affinity: a `recent` check per endpoint, before the probability picks. */
export function writeAffinityChecks(svc: ServicePortInfo, node: NodeVariant, rules: string[], chain: string, eps: readonly EndpointInfo[]): void {
  const name = svc.nameString;
  for (const ep of eps) {
    const sep = ep.sepChain;
    const comment = node.largeClusterMode ? '' : ` -m comment --comment ${q(`${name} -> ${ep.str}`)}`;
    rules.push(`-A ${chain}${comment} -m recent --name ${sep} --rcheck --seconds ${svc.stickyMaxAgeSeconds} --reap -j ${sep}\n`);
  }
}
