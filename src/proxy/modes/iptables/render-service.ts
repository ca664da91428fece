import type { EndpointInfo } from '../../endpoint.js';
import { externallyAccessible, type ServicePortInfo, usesClusterEndpoints, usesLocalEndpoints } from '../../service-port.js';
import { categorizeEndpoints } from '../../topology.js';
import { probability } from './probability.js';
import { emitOutsideLines, writeAffinityChecks, writeEndpointChains, writeFirewallChain, writeLocalExternalRules } from './render-service-rare.js';

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
 * plus the names of the chains it declares, in order (their `:CHAIN - [0:0]` lines are written by
 * the caller with chainDeclarations: a block declares all its chains with one join). A section's
 * text is the join of its pieces (lines are pushed as several flat pieces, not one per line).
 * Pieces are joined later into one flat string
 * per section: `+=` would leave a rope of dozens of nodes per service for the GC to trace and for
 * every consumer to walk again (10,000 Services: ~400,000 rope nodes, which cost more than the
 * rendering itself).
 */
export interface RuleSink {
  readonly head: string[];
  readonly filter: string[];
  readonly rules: string[];
  readonly chains: string[];
}

export function newRuleSink(): RuleSink {
  return { head: [], filter: [], rules: [], chains: [] };
}

/**
 * Text that every service repeats, as flat strings. A template literal's interpolations each add
 * a node to the line's rope, and joining costs ~30-40 ns per node: the hot lines below write chain
 * names and matches literally (or from these tables) instead of interpolating constants. Joining
 * also costs ~50 ns per piece, so what stays the same between services (a protocol's match, a
 * port, a probability, the cluster CIDR) is one piece with the constant text around it. Text that
 * repeats only within one service (its name in each endpoint's rules) is a piece of its own:
 * joining it with the text around it once per service cost an array and a join call each, more
 * than the extra pieces.
 */
const PORT_MATCH: Readonly<Record<string, string>> = { tcp: '-m tcp -p tcp', udp: '-m udp -p udp', sctp: '-m sctp -p sctp' };

/**
 * A flat string per small integer key (a port, an endpoint count), made by `make` on first use and
 * kept in an array: a lookup is an indexed load, which the optimizing compiler inlines in a few
 * nodes (a Map lookup per use made the hot function's compiled graph, and its compile, larger).
 */
class IntText {
  private readonly made: (string | undefined)[] = [];
  constructor(private readonly make: (k: number) => string) {}

  get(k: number): string {
    return this.made[k] ?? this.fill(k);
  }

  private fill(k: number): string {
    const s = this.make(k);
    this.made[k] = s;
    return s;
  }
}

const statistic = (n: number): string => [' -m statistic --mode random --probability ', probability(n)].join('');
/** `"` (closing the comment) then the statistic match. */
const quotedStatistic = new IntText((n) => ['"', statistic(n)].join(''));
/** The statistic match then ` -j `. */
const statisticJump = new IntText((n) => [statistic(n), ' -j '].join(''));
const dport = new IntText((port) => [' --dport ', String(port)].join(''));
const dportJump = new IntText((port) => [' --dport ', String(port), ' -j '].join(''));

/** ` <protocol match> -j DNAT --to-destination ` (a KUBE-SEP chain's DNAT rule before the endpoint), per protocol. */
const DNAT_TO: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(PORT_MATCH).map(([p, m]) => [p, [' ', m, ' -j DNAT --to-destination '].join('')]));
/** ` cluster IP" <protocol match> -d ` (the cluster IP lines' text between name and IP), per protocol. */
const CLUSTER_IP_MID: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(PORT_MATCH).map(([p, m]) => [p, [' cluster IP" ', m, ' -d '].join('')]));

/** The end of the masquerade rule of off-cluster traffic to a cluster IP, for the last cluster CIDR asked. */
let notFromClusterCidr = '';
let notFromClusterText = '';
function notFromCluster(cidr: string): string {
  if (cidr !== notFromClusterCidr) {
    notFromClusterText = [' ! -s ', cidr, ' -j KUBE-MARK-MASQ\n'].join('');
    notFromClusterCidr = cidr;
  }
  return notFromClusterText;
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
  return { natHead: out.head.join(''), filter: out.filter.join(''), natChainDecls: chainDeclarations(out.chains), natChainRules: out.rules.join(''), chains: out.chains };
}

/**
 * renderServicePort, appending to `out`: all head and filter pieces first, then rules and chains.
 * Returns `out.head.length` after the last head piece: a caller whose `head` and `rules` are one
 * array (BlockBuilder: a position's KUBE-SERVICES lines are followed by its chain rules) knows
 * from it where the head pieces end.
 * The lines every Service has are written here; the rarer ones (REJECT/DROP filter lines,
 * external and load-balancer IPs, Local external policy, firewall chains, session affinity,
 * large-cluster mode) in functions of their own. This function runs for every Service of a
 * cold render before the optimizing compiler has compiled it, and that compile (on a background
 * thread, counted in the process's CPU time) grows with the function: kept small, it is ready
 * sooner and costs less.
 */
export function emitServicePort(
  svc: ServicePortInfo,
  allEndpoints: readonly EndpointInfo[],
  cfg: ServiceRenderConfig,
  node: NodeVariant,
  out: RuleSink,
): number {
  const name = svc.nameString;
  const cat = categorizeEndpoints(allEndpoints, svc, node.nodeName, node.zone);
  const hasEndpoints = cat.hasAnyEndpoints;
  const noLocal = cat.localEndpoints.length === 0;
  // A Local traffic policy sends that traffic to the SVL chain, and without a local endpoint
  // this node has nowhere to send it.
  const internalChain = svc.internalPolicyLocal ? svc.svlChain : svc.svcChain;
  const hasInternal = hasEndpoints && !(svc.internalPolicyLocal && noLocal);
  const hasExternal = hasEndpoints && !(svc.externalPolicyLocal && noLocal);
  // Chains pushed onto `chains` are declared (`:CHAIN - [0:0]`) by the caller (chainDeclarations).
  const { head, rules, chains } = out;
  const portMatch = PORT_MATCH[svc.proto] ?? `-m ${svc.proto} -p ${svc.proto}`;
  const clusterIpMid = CLUSTER_IP_MID[svc.proto] ?? ` cluster IP" ${portMatch} -d `;
  // The hot lines are pushed as their flat pieces (joined once per service by the caller), not as
  // template literals: each interpolation would add a rope node to allocate now and walk at the join.
  if (hasInternal) head.push('-A KUBE-SERVICES -m comment --comment "', name, clusterIpMid, svc.clusterIP, dportJump.get(svc.port), internalChain, '\n');
  const nodePortHead = svc.nodePort !== 0 && hasEndpoints;
  if (!hasInternal || !hasExternal || svc.externalIPs.length > 0 || svc.loadBalancerVIPs.length > 0 || svc.healthCheckNodePort !== 0 || (nodePortHead && cfg.localhostNodePortNfacct)) {
    emitOutsideLines(svc, portMatch, hasEndpoints, hasInternal, hasExternal, cfg, out);
  }
  if (nodePortHead) head.push('-A KUBE-NODEPORTS -m comment --comment ', name, ' ', portMatch, dportJump.get(svc.nodePort), svc.extChain, '\n');
  const headEnd = head.length;

  if (hasInternal) {
    if (cfg.masqueradeAll) {
      rules.push('-A ', internalChain, ' -m comment --comment "', name, clusterIpMid, svc.clusterIP, dport.get(svc.port), ' -j KUBE-MARK-MASQ\n');
    } else if (cfg.clusterCIDR !== undefined) {
      // Masquerade off-cluster traffic to the VIP (it may be routed to any node and bounce off-node).
      rules.push('-A ', internalChain, ' -m comment --comment "', name, clusterIpMid, svc.clusterIP, dport.get(svc.port), notFromCluster(cfg.clusterCIDR));
    }
  }
  if (hasEndpoints && externallyAccessible(svc)) {
    const extChain = svc.extChain;
    chains.push(extChain);
    if (!svc.externalPolicyLocal) {
      rules.push('-A ', extChain, ' -m comment --comment "masquerade traffic for ', name, ' external destinations" -j KUBE-MARK-MASQ\n');
    } else {
      writeLocalExternalRules(svc, cfg, rules);
    }
    if (hasExternal) rules.push('-A ', extChain, ' -j ', svc.externalPolicyLocal ? svc.svlChain : svc.svcChain, '\n');
  }
  if (hasEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0) writeFirewallChain(svc, node, out);

  if (cat.clusterEndpoints.length > 0 && usesClusterEndpoints(svc)) {
    chains.push(svc.svcChain);
    writeServiceToEndpoints(svc, node, rules, svc.svcChain, cat.clusterEndpoints);
  }
  if (!noLocal && usesLocalEndpoints(svc)) {
    chains.push(svc.svlChain);
    writeServiceToEndpoints(svc, node, rules, svc.svlChain, cat.localEndpoints);
  }
  const reach = cat.allReachable;
  if (svc.sessionAffinityClientIP || reach.length < 2) {
    writeEndpointChains(svc, node, portMatch, reach, out);
  } else {
    // (Large-cluster mode, i.e. above 1,000 endpoints in all, leaves out the comments.)
    const comment = node.largeClusterMode ? '' : ' -m comment --comment ';
    const commentName = node.largeClusterMode ? '' : name;
    const dnat = DNAT_TO[svc.proto] ?? ` ${portMatch} -j DNAT --to-destination `;
    for (let i = 0; i < reach.length; i++) {
      const ep = reach[i] as EndpointInfo;
      const sep = ep.sepChain;
      chains.push(sep);
      rules.push('-A ', sep, comment, commentName, ' -s ', ep.ip, ' -j KUBE-MARK-MASQ\n-A ', sep, comment, commentName, dnat, ep.str, '\n');
    }
  }
  return headEnd;
}

/** The `:CHAIN - [0:0]` lines of `chains`, in order ('' for none). */
export function chainDeclarations(chains: readonly string[]): string {
  return chains.length === 0 ? '' : [':', chains.join(' - [0:0]\n:'), ' - [0:0]\n'].join('');
}

/** The length of chainDeclarations(chains.slice(from)), without building it. */
export function chainDeclarationsLength(chains: readonly string[], from: number): number {
  // `:` + name + ` - [0:0]\n` per chain.
  let n = 0;
  for (let i = from; i < chains.length; i++) n += (chains[i] as string).length + 10;
  return n;
}

/** kube-proxy's writeServiceToEndpointRules: session affinity checks, then the probability picks. */
function writeServiceToEndpoints(svc: ServicePortInfo, node: NodeVariant, rules: string[], chain: string, eps: readonly EndpointInfo[]): void {
  if (svc.sessionAffinityClientIP) writeAffinityChecks(svc, node, rules, chain, eps);
  const n = eps.length;
  if (node.largeClusterMode) {
    for (let i = 0; i < n; i++) {
      const ep = eps[i] as EndpointInfo;
      rules.push('-A ', chain, i < n - 1 ? statisticJump.get(n - i) : ' -j ', ep.sepChain, '\n');
    }
    return;
  }
  const name = svc.nameString;
  for (let i = 0; i < n; i++) {
    const ep = eps[i] as EndpointInfo;
    const stat = i < n - 1 ? quotedStatistic.get(n - i) : '"';
    rules.push('-A ', chain, ' -m comment --comment "', name, ' -> ', ep.str, stat, ' -j ', ep.sepChain, '\n');
  }
}
