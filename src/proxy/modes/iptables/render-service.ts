import type { EndpointInfo } from '../../endpoint.js';
import { cidrString, externallyAccessible, type ServicePortInfo, usesClusterEndpoints, usesLocalEndpoints } from '../../service-port.js';
import { categorizeEndpoints } from '../../topology.js';
import { KUBE_EXTERNAL_SERVICES, KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, KUBE_SERVICES, LOCALHOST_NPS_COUNTER } from './chains.js';
import { probability } from './probability.js';

/** Node-independent inputs that shape per-service rules (one value per cluster configuration). */
export interface ServiceRenderConfig {
  readonly masqueradeAll: boolean;
  /** LocalTrafficDetector by cluster CIDR; undefined = no detector (IsImplemented() false). */
  readonly clusterCIDR: string | undefined;
  /** localhostNodePorts && IPv4 && the localhost_nps_accepted_pkts nfacct counter exists. */
  readonly localhostNodePortNfacct: boolean;
}

/** The node-dependent inputs; two nodes with equal variants render a service identically. */
export interface NodeVariant {
  readonly nodeName: string;
  readonly zone: string | undefined;
  readonly largeClusterMode: boolean;
  /** Some loadBalancerSourceRange contains this node's IP (adds `-s <LB IP>` FW rules). */
  readonly allowFromNode: boolean;
}

/**
 * What one service port contributes to an iptables-restore payload, split the way kube-proxy's
 * syncProxyRules writes its line buffers: `natHead` (KUBE-SERVICES / KUBE-NODEPORTS rules, written on
 * every sync), `filter` (filter-table rules, every sync), and the per-service chains (`natChainDecls`,
 * `natChainRules`), which a partial sync writes only for changed services.
 */
export interface RenderedServicePort {
  readonly natHead: string;
  readonly filter: string;
  readonly natChainDecls: string;
  readonly natChainRules: string;
  readonly chains: readonly string[];
}

/**
 * Where emitServicePort writes: one array of text pieces per section (kube-proxy's line buffers),
 * plus the names of the chains it declares. A section's text is the join of its pieces (lines are
 * pushed as several flat pieces, not one per line). Pieces are joined later into one flat string
 * per section: `+=` would leave a rope of dozens of nodes per service for the GC to trace and for
 * every consumer to walk again (10,000 Services: ~400,000 rope nodes, which cost more than the
 * rendering itself).
 */
export interface RuleSink {
  readonly head: string[];
  readonly filter: string[];
  readonly decls: string[];
  readonly rules: string[];
  readonly chains: string[];
}

export function newRuleSink(): RuleSink {
  return { head: [], filter: [], decls: [], rules: [], chains: [] };
}

const q = (s: string): string => `"${s}"`;

/**
 * Text that every service repeats, as flat strings. A template literal's interpolations each add
 * a node to the line's rope, and joining costs ~30-40 ns per node: the hot lines below write chain
 * names and matches literally (or from these tables) instead of interpolating constants.
 */
const PORT_MATCH: Readonly<Record<string, string>> = { tcp: '-m tcp -p tcp', udp: '-m udp -p udp', sctp: '-m sctp -p sctp' };
const STATISTIC: string[] = [];
function statistic(n: number): string {
  let s = STATISTIC[n];
  if (s === undefined) {
    s = [' -m statistic --mode random --probability ', probability(n)].join('');
    STATISTIC[n] = s;
  }
  return s;
}

const QUOTED_STATISTIC: string[] = [];
/** `"` (closing the comment) then the statistic match, as one flat string. */
function quotedStatistic(n: number): string {
  let s = QUOTED_STATISTIC[n];
  if (s === undefined) {
    s = ['"', statistic(n)].join('');
    QUOTED_STATISTIC[n] = s;
  }
  return s;
}

/** Renders one service port exactly as kube-proxy's syncProxyRules loop body (iptables/proxier.go). */
export function renderServicePort(
  svc: ServicePortInfo,
  allEndpoints: readonly EndpointInfo[],
  cfg: ServiceRenderConfig,
  node: NodeVariant,
): RenderedServicePort {
  const out = newRuleSink();
  emitServicePort(svc, allEndpoints, cfg, node, out);
  return { natHead: out.head.join(''), filter: out.filter.join(''), natChainDecls: out.decls.join(''), natChainRules: out.rules.join(''), chains: out.chains };
}

/** renderServicePort, appending to `out`: all head and filter pieces first, then decls and rules. */
export function emitServicePort(
  svc: ServicePortInfo,
  allEndpoints: readonly EndpointInfo[],
  cfg: ServiceRenderConfig,
  node: NodeVariant,
  out: RuleSink,
): void {
  const p = svc.proto;
  const name = svc.nameString;
  const cat = categorizeEndpoints(allEndpoints, svc, node.nodeName, node.zone);
  const hasEndpoints = cat.hasAnyEndpoints;
  const usesClusterPolicyChain = cat.clusterEndpoints.length > 0 && usesClusterEndpoints(svc);
  const usesLocalPolicyChain = cat.localEndpoints.length > 0 && usesLocalEndpoints(svc);
  const clusterPolicyChain = svc.svcChain;
  const localPolicyChain = svc.svlChain;

  let internalChain = clusterPolicyChain;
  let hasInternal = hasEndpoints;
  if (svc.internalPolicyLocal) {
    internalChain = localPolicyChain;
    if (cat.localEndpoints.length === 0) hasInternal = false;
  }
  let externalPolicyChain = clusterPolicyChain;
  let hasExternal = hasEndpoints;
  if (svc.externalPolicyLocal) {
    externalPolicyChain = localPolicyChain;
    if (cat.localEndpoints.length === 0) hasExternal = false;
  }
  const extChain = svc.extChain;
  const usesExt = hasEndpoints && externallyAccessible(svc);
  const usesFW = hasEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
  const lbChain = usesFW ? svc.fwChain : extChain;

  let internalFilterTarget = '';
  let internalFilterComment = '';
  let externalFilterTarget = '';
  let externalFilterComment = '';
  if (!hasEndpoints) {
    internalFilterTarget = 'REJECT';
    internalFilterComment = q(`${name} has no endpoints`);
    externalFilterTarget = 'REJECT';
    externalFilterComment = internalFilterComment;
  } else {
    if (!hasInternal) {
      internalFilterTarget = 'DROP';
      internalFilterComment = q(`${name} has no local endpoints`);
    }
    if (!hasExternal) {
      externalFilterTarget = 'DROP';
      externalFilterComment = q(`${name} has no local endpoints`);
    }
  }

  const { head, filter, rules } = out;
  const portMatch = PORT_MATCH[p] ?? `-m ${p} -p ${p}`;
  // (Only the rarer lines use it; the hot ones write `--dport ${svc.port}` in place.)
  const dport = hasInternal && svc.externalIPs.length === 0 && svc.loadBalancerVIPs.length === 0 ? '' : `--dport ${svc.port}`;

  // The hot lines are pushed as their flat pieces (joined once per service by the caller), not as
  // template literals: each interpolation would add a rope node to allocate now and walk at the join.
  const portStr = String(svc.port);
  if (hasInternal) {
    head.push('-A KUBE-SERVICES -m comment --comment "', name, ' cluster IP" ', portMatch, ' -d ', svc.clusterIP, ' --dport ', portStr, ' -j ', internalChain, '\n');
  } else {
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
    if (hasEndpoints) {
      if (cfg.localhostNodePortNfacct) {
        head.push(`-A ${KUBE_NODEPORTS} -m comment --comment ${name} ${portMatch} -d 127.0.0.0/8 --dport ${svc.nodePort} -m nfacct --nfacct-name ${LOCALHOST_NPS_COUNTER} -j ${extChain}\n`);
      }
      head.push('-A KUBE-NODEPORTS -m comment --comment ', name, ' ', portMatch, ' --dport ', String(svc.nodePort), ' -j ', extChain, '\n');
    }
    if (!hasExternal) {
      filter.push(`-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalFilterComment} -m addrtype --dst-type LOCAL ${portMatch} --dport ${svc.nodePort} -j ${externalFilterTarget}\n`);
    }
  }
  if (svc.healthCheckNodePort !== 0) {
    filter.push(`-A ${KUBE_NODEPORTS} -m comment --comment ${q(`${name} health check node port`)} -m tcp -p tcp --dport ${svc.healthCheckNodePort} -j ACCEPT\n`);
  }

  if (hasInternal) {
    if (cfg.masqueradeAll) {
      rules.push('-A ', internalChain, ' -m comment --comment "', name, ' cluster IP" ', portMatch, ' -d ', svc.clusterIP, ' --dport ', portStr, ' -j KUBE-MARK-MASQ\n');
    } else if (cfg.clusterCIDR !== undefined) {
      // Masquerade off-cluster traffic to the VIP (it may be routed to any node and bounce off-node).
      rules.push('-A ', internalChain, ' -m comment --comment "', name, ' cluster IP" ', portMatch, ' -d ', svc.clusterIP, ' --dport ', portStr, ' ! -s ', cfg.clusterCIDR, ' -j KUBE-MARK-MASQ\n');
    }
  }
  if (usesExt) {
    declare(out, extChain);
    if (!svc.externalPolicyLocal) {
      rules.push('-A ', extChain, ' -m comment --comment "masquerade traffic for ', name, ' external destinations" -j KUBE-MARK-MASQ\n');
    } else {
      if (cfg.clusterCIDR !== undefined) {
        rules.push(`-A ${extChain} -m comment --comment ${q(`pod traffic for ${name} external destinations`)} -s ${cfg.clusterCIDR} -j ${clusterPolicyChain}\n`);
      }
      rules.push(`-A ${extChain} -m comment --comment ${q(`masquerade LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}\n`);
      rules.push(`-A ${extChain} -m comment --comment ${q(`route LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${clusterPolicyChain}\n`);
    }
    if (hasExternal) rules.push('-A ', extChain, ' -j ', externalPolicyChain, '\n');
  }
  if (usesFW) {
    declare(out, svc.fwChain);
    const fwArgs = `-A ${svc.fwChain} -m comment --comment ${q(`${name} loadbalancer IP`)}`;
    for (const cidr of svc.loadBalancerSourceRanges) rules.push(`${fwArgs} -s ${cidrString(cidr)} -j ${extChain}\n`);
    if (node.allowFromNode) {
      for (const lbip of svc.loadBalancerVIPs) rules.push(`${fwArgs} -s ${lbip} -j ${extChain}\n`);
    }
    // No target: the packet stays un-DNATed and KUBE-PROXY-FIREWALL (filter) drops it.
    rules.push(`-A ${svc.fwChain} -m comment --comment ${q(`other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`)}\n`);
  }

  if (usesClusterPolicyChain) {
    declare(out, clusterPolicyChain);
    writeServiceToEndpoints(svc, node, rules, clusterPolicyChain, cat.clusterEndpoints);
  }
  if (usesLocalPolicyChain) {
    declare(out, localPolicyChain);
    writeServiceToEndpoints(svc, node, rules, localPolicyChain, cat.localEndpoints);
  }
  const large = node.largeClusterMode;
  const reach = cat.allReachable;
  if (!svc.sessionAffinityClientIP && reach.length > 1) {
    // What the SEP rules of all endpoints share, joined once per service: 9 pieces per endpoint, not 15.
    const masq = large ? ' -s ' : [' -m comment --comment ', name, ' -s '].join('');
    const dnat = large ? [' ', portMatch, ' -j DNAT --to-destination '].join('') : [' -m comment --comment ', name, ' ', portMatch, ' -j DNAT --to-destination '].join('');
    for (const ep of reach) {
      const sep = ep.sepChain;
      declare(out, sep);
      rules.push('-A ', sep, masq, ep.ip, ' -j KUBE-MARK-MASQ\n-A ', sep, dnat, ep.str, '\n');
    }
    return;
  }
  for (const ep of reach) {
    const sep = ep.sepChain;
    declare(out, sep);
    rules.push('-A ', sep);
    if (!large) rules.push(' -m comment --comment ', name);
    rules.push(' -s ', ep.ip, ' -j KUBE-MARK-MASQ\n-A ', sep);
    if (!large) rules.push(' -m comment --comment ', name);
    if (svc.sessionAffinityClientIP) rules.push(' -m recent --name ', sep, ' --set');
    rules.push(' ', portMatch, ' -j DNAT --to-destination ', ep.str, '\n');
  }
}

/** A chain of the service's: its `:CHAIN - [0:0]` line and its name (module-level, not a closure per call). */
function declare(out: RuleSink, c: string): void {
  out.decls.push(':', c, ' - [0:0]\n');
  out.chains.push(c);
}

/** kube-proxy's writeServiceToEndpointRules: session affinity checks, then the probability picks. */
function writeServiceToEndpoints(svc: ServicePortInfo, node: NodeVariant, rules: string[], chain: string, eps: readonly EndpointInfo[]): void {
  const name = svc.nameString;
  if (svc.sessionAffinityClientIP) {
    for (const ep of eps) {
      const sep = ep.sepChain;
      const comment = node.largeClusterMode ? '' : ` -m comment --comment ${q(`${name} -> ${ep.str}`)}`;
      rules.push(`-A ${chain}${comment} -m recent --name ${sep} --rcheck --seconds ${svc.stickyMaxAgeSeconds} --reap -j ${sep}\n`);
    }
  }
  const n = eps.length;
  if (node.largeClusterMode) {
    for (let i = 0; i < n; i++) {
      const ep = eps[i] as EndpointInfo;
      rules.push('-A ', chain, i < n - 1 ? statistic(n - i) : '', ' -j ', ep.sepChain, '\n');
    }
    return;
  }
  // The rules' shared start, joined once: 6 pieces per endpoint, not 11.
  const start = n > 1 ? ['-A ', chain, ' -m comment --comment "', name, ' -> '].join('') : undefined;
  for (let i = 0; i < n; i++) {
    const ep = eps[i] as EndpointInfo;
    const stat = i < n - 1 ? quotedStatistic(n - i) : '"';
    if (start !== undefined) rules.push(start, ep.str, stat, ' -j ', ep.sepChain, '\n');
    else rules.push('-A ', chain, ' -m comment --comment "', name, ' -> ', ep.str, stat, ' -j ', ep.sepChain, '\n');
  }
}
