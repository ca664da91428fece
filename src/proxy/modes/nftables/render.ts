import { type NftChain, type NftElement, type NftRule, type NftSet, type NftTable, type NftVerdict, makeRule, printedRule } from '../../../net/index.js';
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

/** Accumulates the table in kube-proxy's creation order (which `nft list` keeps: handle order). */
class Builder {
  readonly sets = new Map<string, { set: Omit<NftSet, 'elements'>; elements: NftElement[] }>();
  readonly chains = new Map<string, { name: string; base: NftChain['base']; comment: string | undefined; rules: (string | NftRule)[] }>();
  set(name: string, map: boolean, keyType: string, comment?: string, extra: { flags?: string[]; timeout?: number; size?: number } = {}): void {
    if (!this.sets.has(name)) this.sets.set(name, { set: { name, map, keyType, flags: extra.flags ?? [], timeout: extra.timeout, ...(extra.size === undefined ? {} : { size: extra.size }), comment }, elements: [] });
  }
  element(set: string, key: string[], value?: NftVerdict, comment?: string): void {
    this.sets.get(set)?.elements.push({ key, value, comment });
  }
  chain(name: string, base?: NftChain['base'], comment?: string): void {
    if (!this.chains.has(name)) this.chains.set(name, { name, base, comment, rules: [] });
  }
  /** A rule whose text nft may print differently (a mark in another format): parsed and reprinted now. */
  rule(chain: string, text: string): void {
    this.chain(chain);
    this.chains.get(chain)?.rules.push(text);
  }
  /** A rule written exactly as `nft list` prints it (test: every rendered rule reprints unchanged); parsed only if evaluated. */
  printed(chain: string, text: string): void {
    this.chain(chain);
    this.chains.get(chain)?.rules.push(printedRule(text));
  }
  table(): NftTable {
    const sets = new Map<string, NftSet>();
    for (const [k, v] of this.sets) sets.set(k, { ...v.set, elements: v.elements });
    const chains = new Map<string, NftChain>();
    for (const [k, c] of this.chains) chains.set(k, { name: c.name, base: c.base, comment: c.comment, rules: c.rules.map((r) => (typeof r === 'string' ? makeRule(r) : r)) });
    return { family: 'ip', name: 'kube-proxy', comment: 'rules for kube-proxy', sets, chains };
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
  const base = (name: string, type: 'filter' | 'nat', hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting', priority: number): void => b.chain(name, { type, hook, priority, policy: 'accept' });
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
  const epChain = new Map<EndpointInfo, string>();
  const epBase = (ep: EndpointInfo): string => endpointChainBase(svc, ep);
  for (const ep of cat.allReachable) {
    const c = `endpoint-${epBase(ep)}`;
    epChain.set(ep, c);
    b.chain(c);
  }
  const clusterChain = `service-${h}`;
  const localChain = `local-${h}`;
  const usesCluster = cat.clusterEndpoints.length > 0 && usesClusterEndpoints(svc);
  if (usesCluster) b.chain(clusterChain);
  const usesLocal = cat.localEndpoints.length > 0 && usesLocalEndpoints(svc);
  if (usesLocal) b.chain(localChain);
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
  const extChain = `external-${h}`;
  const usesExt = hasEndpoints && externallyAccessible(svc);
  if (usesExt) b.chain(extChain);
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
    b.chain(fwChain);
    const sources = svc.loadBalancerSourceRanges.map(cidrString);
    const allowFromNode = cfg.nodeIP !== undefined && svc.loadBalancerSourceRanges.some((c) => c.contains(cfg.nodeIP as never));
    if (allowFromNode) sources.push(...svc.loadBalancerVIPs);
    // nft prints a one-element anonymous set as the bare value.
    b.printed(fwChain, `ip saddr != ${sources.length === 1 ? (sources[0] ?? '') : `{ ${sources.join(', ')} }`} drop`);
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
    if (cfg.masqueradeAll) b.printed(internalChain, `${m} jump mark-for-masquerade`);
    else if (cfg.clusterCIDR !== undefined) b.printed(internalChain, `${m} ip saddr != ${cfg.clusterCIDR} jump mark-for-masquerade`);
  }
  if (usesExt) {
    if (!svc.externalPolicyLocal) b.printed(extChain, 'jump mark-for-masquerade');
    else {
      if (cfg.clusterCIDR !== undefined) b.printed(extChain, `ip saddr ${cfg.clusterCIDR} goto ${clusterChain} comment "short-circuit pod traffic"`);
      b.printed(extChain, 'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"');
      b.printed(extChain, `fib saddr type local goto ${clusterChain} comment "short-circuit local traffic"`);
    }
    if (hasExternal) b.printed(extChain, `goto ${externalPolicyChain}`);
  }
  if (svc.sessionAffinityClientIP) {
    // kube-proxy gives no size, but nft sizes a set that a rule fills from the packet path (`update @set`) at 65535
    // when it adds that rule, so `nft list` shows `size 65535` (seen with nft 1.0.6).
    for (const ep of cat.allReachable) b.set(`affinity-${epBase(ep)}`, false, 'ipv4_addr', undefined, { flags: ['dynamic', 'timeout'], timeout: svc.stickyMaxAgeSeconds, size: DYNAMIC_SET_SIZE });
  }
  const toEndpoints = (chain: string, eps: readonly EndpointInfo[]): void => {
    if (svc.sessionAffinityClientIP) for (const ep of eps) b.printed(chain, `ip saddr @affinity-${epBase(ep)} goto ${epChain.get(ep) ?? ''}`);
    b.printed(chain, `numgen random mod ${eps.length} vmap { ${eps.map((ep, i) => `${i} : goto ${epChain.get(ep) ?? ''}`).join(', ')} }`);
  };
  if (usesCluster) toEndpoints(clusterChain, cat.clusterEndpoints);
  if (usesLocal) toEndpoints(localChain, cat.localEndpoints);
  for (const ep of cat.allReachable) {
    const c = epChain.get(ep) ?? '';
    b.printed(c, `ip saddr ${ep.ip} jump mark-for-masquerade`);
    if (svc.sessionAffinityClientIP) b.printed(c, `update @affinity-${epBase(ep)} { ip saddr }`);
    b.printed(c, `meta l4proto ${p} dnat to ${ep.str}`);
  }
}
