import { type NftChain, type NftElement, type NftRule, type NftTable, type NftVerdict, makeRule, printedRule } from '../../../net/index.js';
import type { EndpointInfo } from '../../endpoint.js';
import { cidrString, externallyAccessible, type ServicePortInfo, usesClusterEndpoints, usesLocalEndpoints } from '../../service-port.js';
import { categorizeEndpoints } from '../../topology.js';
import { endpointChainBase, servicePortChainBase } from './names.js';

export interface NftRenderConfig {
  readonly nodeName: string;
  readonly zone: string | undefined;
  readonly nodeIP: number | undefined;
  /** Go's %#08x of the masquerade bit, e.g. 0x00004000. */
  readonly mark: string;
  readonly masqueradeAll: boolean;
  readonly clusterCIDR: string | undefined;
  /** --nodeport-addresses IPs; undefined = match all local addresses (`fib daddr type local`). */
  readonly nodePortIPs: readonly string[] | undefined;
}

interface BuiltSet {
  name: string;
  map: boolean;
  keyType: string;
  flags: readonly string[];
  timeout: number | undefined;
  size?: number;
  comment: string | undefined;
  elements: NftElement[];
}

interface BuiltChain {
  readonly name: string;
  readonly base: NftChain['base'];
  readonly comment: string | undefined;
  readonly rules: NftRule[];
}

/**
 * Accumulates the table in kube-proxy's creation order (which `nft list` keeps: handle order). Sets
 * and chains are built as the table's own objects (no copy of 50,000 chains at the end), and rules
 * are pushed into a chain's list found once per chain, not looked up by name per rule.
 */
class Builder {
  readonly sets = new Map<string, BuiltSet>();
  readonly chains = new Map<string, BuiltChain>();
  set(name: string, map: boolean, keyType: string, comment?: string, extra: { flags?: string[]; timeout?: number; size?: number } = {}): void {
    if (!this.sets.has(name)) this.sets.set(name, { name, map, keyType, flags: extra.flags ?? [], timeout: extra.timeout, ...(extra.size === undefined ? {} : { size: extra.size }), comment, elements: [] });
  }
  element(set: string, key: string[], value?: NftVerdict, comment?: string): void {
    this.sets.get(set)?.elements.push({ key, value, comment });
  }
  /** The chain's rule list (the chain is created on first use). */
  chain(name: string, base?: NftChain['base'], comment?: string): NftRule[] {
    let c = this.chains.get(name);
    if (c === undefined) {
      c = { name, base, comment, rules: [] };
      this.chains.set(name, c);
    }
    return c.rules;
  }
  /** A rule whose text nft may print differently (a mark in another format): parsed and reprinted now. */
  rule(chain: string, text: string): void {
    this.chain(chain).push(makeRule(text));
  }
  table(): NftTable {
    return { family: 'ip', name: 'kube-proxy', comment: 'rules for kube-proxy', sets: this.sets, chains: this.chains };
  }
}

const goto = (chain: string): NftVerdict => ({ kind: 'goto', chain });
const KEY3 = 'ipv4_addr . inet_proto . inet_service';
/** nft's default size for a set updated from the packet path (NFT_SET_MAXSIZE). */
const DYNAMIC_SET_SIZE = 65535;

/**
 * Renders the `ip kube-proxy` table as kube-proxy v1.29's nftables proxier builds it
 * (setupNFTables + syncProxyRules): base chains at "dstnat-10" (filter) / "dstnat" / "srcnat", which
 * knftables (>= v0.0.11, "Convert base chain priority to numeric form") sends as -110 / -100 / 100
 * because nft 1.0.6 refuses `dstnat` outside prerouting; `nft list` then names them only where the
 * name applies (types.ts priorityText). Then verdict
 * maps for dispatch (service-ips, service-nodeports), no-endpoint and firewall maps, and per
 * service port its service-/local-/external-/firewall-/endpoint- chains.
 */
export function renderNftTable(ports: Iterable<[ServicePortInfo, readonly EndpointInfo[]]>, cfg: NftRenderConfig): NftTable {
  const b = new Builder();
  const base = (name: string, type: 'filter' | 'nat', hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting', priority: number): void => {
    b.chain(name, { type, hook, priority, policy: 'accept' });
  };
  base('filter-prerouting', 'filter', 'prerouting', -110);
  base('filter-input', 'filter', 'input', -110);
  base('filter-forward', 'filter', 'forward', -110);
  base('filter-output', 'filter', 'output', -110);
  base('nat-prerouting', 'nat', 'prerouting', -100);
  base('nat-output', 'nat', 'output', -100);
  base('nat-postrouting', 'nat', 'postrouting', 100);
  for (const [dst, src, extra] of [
    ['endpoints-check', 'filter-input', 'ct state new '],
    ['endpoints-check', 'filter-forward', 'ct state new '],
    ['endpoints-check', 'filter-output', 'ct state new '],
    ['firewall-check', 'filter-prerouting', 'ct state new '],
    ['firewall-check', 'filter-output', 'ct state new '],
    ['services', 'nat-output', ''],
    ['services', 'nat-prerouting', ''],
    ['masquerading', 'nat-postrouting', ''],
  ] as const) {
    b.chain(dst);
    b.rule(src, `${extra}jump ${dst}`);
  }
  b.chain('mark-for-masquerade');
  b.rule('mark-for-masquerade', `meta mark set meta mark | ${cfg.mark}`);
  b.rule('masquerading', `meta mark & ${cfg.mark} == 0x00000000 return`);
  b.rule('masquerading', `meta mark set meta mark ^ ${cfg.mark}`);
  b.rule('masquerading', 'masquerade fully-random');
  const matchAll = cfg.nodePortIPs === undefined;
  if (!matchAll) {
    b.set('nodeport-ips', false, 'ipv4_addr', 'IPs that accept NodePort traffic');
    for (const ip of cfg.nodePortIPs ?? []) if (!ip.startsWith('127.')) b.element('nodeport-ips', [ip]);
  }
  b.set('no-endpoint-services', true, KEY3, 'vmap to drop or reject packets to services with no endpoints');
  b.set('no-endpoint-nodeports', true, 'inet_proto . inet_service', 'vmap to drop or reject packets to service nodeports with no endpoints');
  b.chain('reject-chain', undefined, 'helper for @no-endpoint-services / @no-endpoint-nodeports');
  b.rule('reject-chain', 'reject');
  b.rule('endpoints-check', 'ip daddr . meta l4proto . th dport vmap @no-endpoint-services');
  const npMatch = matchAll ? 'fib daddr type local ip daddr != 127.0.0.0/8' : 'ip daddr @nodeport-ips';
  b.rule('endpoints-check', `${npMatch} meta l4proto . th dport vmap @no-endpoint-nodeports`);
  b.set('firewall-ips', true, KEY3, 'destinations that are subject to LoadBalancerSourceRanges');
  b.rule('firewall-check', 'ip daddr . meta l4proto . th dport vmap @firewall-ips');
  b.set('service-ips', true, KEY3, 'ClusterIP, ExternalIP and LoadBalancer IP traffic');
  b.set('service-nodeports', true, 'inet_proto . inet_service', 'NodePort traffic');
  b.rule('services', 'ip daddr . meta l4proto . th dport vmap @service-ips');
  b.rule('services', `${npMatch} meta l4proto . th dport vmap @service-nodeports`);

  for (const [svc, eps] of ports) renderServicePort(b, svc, eps, cfg);
  return b.table();
}

function renderServicePort(b: Builder, svc: ServicePortInfo, allEndpoints: readonly EndpointInfo[], cfg: NftRenderConfig): void {
  const p = svc.proto;
  const port = String(svc.port);
  const name = svc.nameString;
  const cat = categorizeEndpoints(allEndpoints, svc, cfg.nodeName, cfg.zone);
  const hasEndpoints = cat.hasAnyEndpoints;
  const h = servicePortChainBase(svc);
  // Per reachable endpoint (in order): its chain base name, chain name and rule list.
  const reach = cat.allReachable;
  const epBases: string[] = [];
  const epChains: string[] = [];
  const epRules: NftRule[][] = [];
  for (const ep of reach) {
    const base = endpointChainBase(svc, ep);
    const c = ['endpoint-', base].join('');
    epBases.push(base);
    epChains.push(c);
    epRules.push(b.chain(c));
  }
  const epIndex = (ep: EndpointInfo): number => reach.indexOf(ep);
  const clusterChain = ['service-', h].join('');
  const localChain = ['local-', h].join('');
  const usesCluster = cat.clusterEndpoints.length > 0 && usesClusterEndpoints(svc);
  const clusterRules = usesCluster ? b.chain(clusterChain) : undefined;
  const usesLocal = cat.localEndpoints.length > 0 && usesLocalEndpoints(svc);
  const localRules = usesLocal ? b.chain(localChain) : undefined;
  let internalChain = clusterChain;
  let hasInternal = hasEndpoints;
  if (svc.internalPolicyLocal) {
    internalChain = localChain;
    if (cat.localEndpoints.length === 0) hasInternal = false;
  }
  let externalPolicyChain = clusterChain;
  let hasExternal = hasEndpoints;
  if (svc.externalPolicyLocal) {
    externalPolicyChain = localChain;
    if (cat.localEndpoints.length === 0) hasExternal = false;
  }
  const extChain = ['external-', h].join('');
  const usesExt = hasEndpoints && externallyAccessible(svc);
  const extRules = usesExt ? b.chain(extChain) : undefined;
  let internalVerdict: NftVerdict | undefined;
  let externalVerdict: NftVerdict | undefined;
  if (!hasEndpoints) {
    internalVerdict = goto('reject-chain');
    externalVerdict = goto('reject-chain');
  } else {
    if (!hasInternal) internalVerdict = { kind: 'drop' };
    if (!hasExternal) externalVerdict = { kind: 'drop' };
  }
  if (hasInternal) b.element('service-ips', [svc.clusterIP, p, port], goto(internalChain));
  else if (internalVerdict !== undefined) b.element('no-endpoint-services', [svc.clusterIP, p, port], internalVerdict, name);
  for (const eip of svc.externalIPs) {
    if (hasEndpoints) b.element('service-ips', [eip, p, port], goto(extChain));
    if (!hasExternal && externalVerdict !== undefined) b.element('no-endpoint-services', [eip, p, port], externalVerdict, name);
  }
  const usesFW = svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
  const fwChain = `firewall-${h}`;
  if (usesFW) {
    const fwRules = b.chain(fwChain);
    const sources = svc.loadBalancerSourceRanges.map(cidrString);
    const allowFromNode = cfg.nodeIP !== undefined && svc.loadBalancerSourceRanges.some((c) => c.contains(cfg.nodeIP as never));
    if (allowFromNode) sources.push(...svc.loadBalancerVIPs);
    // nft prints a one-element anonymous set as the bare value.
    fwRules.push(printedRule(`ip saddr != ${sources.length === 1 ? (sources[0] ?? '') : `{ ${sources.join(', ')} }`} drop`));
  }
  for (const lb of svc.loadBalancerVIPs) {
    if (hasEndpoints) b.element('service-ips', [lb, p, port], goto(extChain));
    if (usesFW) b.element('firewall-ips', [lb, p, port], goto(fwChain), name);
  }
  if (!hasExternal && externalVerdict !== undefined) for (const lb of svc.loadBalancerVIPs) b.element('no-endpoint-services', [lb, p, port], externalVerdict, name);
  if (svc.nodePort !== 0) {
    if (hasEndpoints) b.element('service-nodeports', [p, String(svc.nodePort)], goto(extChain));
    if (!hasExternal && externalVerdict !== undefined) b.element('no-endpoint-nodeports', [p, String(svc.nodePort)], externalVerdict, name);
  }
  if (hasInternal) {
    const m = `ip daddr ${svc.clusterIP} ${p} dport ${port}`;
    if (cfg.masqueradeAll) b.chain(internalChain).push(printedRule(`${m} jump mark-for-masquerade`));
    else if (cfg.clusterCIDR !== undefined) b.chain(internalChain).push(printedRule(`${m} ip saddr != ${cfg.clusterCIDR} jump mark-for-masquerade`));
  }
  if (extRules !== undefined) {
    if (!svc.externalPolicyLocal) extRules.push(printedRule('jump mark-for-masquerade'));
    else {
      if (cfg.clusterCIDR !== undefined) extRules.push(printedRule(`ip saddr ${cfg.clusterCIDR} goto ${clusterChain} comment "short-circuit pod traffic"`));
      extRules.push(printedRule('fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"'));
      extRules.push(printedRule(`fib saddr type local goto ${clusterChain} comment "short-circuit local traffic"`));
    }
    if (hasExternal) extRules.push(printedRule(`goto ${externalPolicyChain}`));
  }
  if (svc.sessionAffinityClientIP) {
    // kube-proxy gives no size, but nft sizes a set that a rule fills from the packet path (`update @set`) at 65535
    // when it adds that rule, so `nft list` shows `size 65535` (seen with nft 1.0.6).
    for (const base of epBases) b.set(`affinity-${base}`, false, 'ipv4_addr', undefined, { flags: ['dynamic', 'timeout'], timeout: svc.stickyMaxAgeSeconds, size: DYNAMIC_SET_SIZE });
  }
  const toEndpoints = (rules: NftRule[], eps: readonly EndpointInfo[]): void => {
    const idx = eps === reach ? undefined : eps.map(epIndex);
    const at = (i: number): number => (idx === undefined ? i : (idx[i] ?? -1));
    if (svc.sessionAffinityClientIP) eps.forEach((_, i) => rules.push(printedRule(`ip saddr @affinity-${epBases[at(i)] ?? ''} goto ${epChains[at(i)] ?? ''}`)));
    const vmap: string[] = [];
    for (let i = 0; i < eps.length; i++) vmap.push(`${i} : goto ${epChains[at(i)] ?? ''}`);
    rules.push(printedRule(`numgen random mod ${eps.length} vmap { ${vmap.join(', ')} }`));
  };
  if (clusterRules !== undefined) toEndpoints(clusterRules, cat.clusterEndpoints);
  if (localRules !== undefined) toEndpoints(localRules, cat.localEndpoints);
  for (let i = 0; i < reach.length; i++) {
    const ep = reach[i] as EndpointInfo;
    const rules = epRules[i] ?? [];
    rules.push(printedRule(`ip saddr ${ep.ip} jump mark-for-masquerade`));
    if (svc.sessionAffinityClientIP) rules.push(printedRule(`update @affinity-${epBases[i] ?? ''} { ip saddr }`));
    rules.push(printedRule(`meta l4proto ${p} dnat to ${ep.str}`));
  }
}
