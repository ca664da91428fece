import { IPSET_COMMENT, KUBE_CLUSTER_IP, KUBE_EXTERNAL_IP, KUBE_EXTERNAL_IP_LOCAL, KUBE_HEALTH_CHECK_NODE_PORT, KUBE_IPVS_IPS, KUBE_LOAD_BALANCER, KUBE_LOAD_BALANCER_FW, KUBE_LOAD_BALANCER_LOCAL, KUBE_LOAD_BALANCER_SOURCE_CIDR, KUBE_LOAD_BALANCER_SOURCE_IP, KUBE_LOOP_BACK, KUBE_NODE_PORT_LOCAL_SCTP, KUBE_NODE_PORT_LOCAL_TCP, KUBE_NODE_PORT_LOCAL_UDP, KUBE_NODE_PORT_SCTP, KUBE_NODE_PORT_TCP, KUBE_NODE_PORT_UDP } from './ipsets.js';

/** What writeIptablesRules needs to know (pkg/proxy/ipvs/proxier.go). */
export interface IpvsRulesInput {
  readonly mark: string;
  readonly masqueradeAll: boolean;
  readonly clusterCIDR: string | undefined;
  readonly randomFully: boolean;
  /** KUBE-IPVS-FILTER / KUBE-IPVS-OUT-FILTER (in the ~v1.30 source read, absent in v1.26); false renders the v1.26 layout. */
  readonly accessFilter: boolean;
  /** Sets with at least one member (rules for empty sets are not written). */
  readonly nonEmpty: ReadonlySet<string>;
}

/** The jump rules kube-proxy's IPVS mode ensures (iptablesJumpChain, EnsureRule Prepend). */
export function ipvsEnsuredJumps(accessFilter: boolean): { table: 'nat' | 'filter'; from: string; to: string; comment: string }[] {
  const j = [
    { table: 'nat' as const, from: 'OUTPUT', to: 'KUBE-SERVICES', comment: 'kubernetes service portals' },
    { table: 'nat' as const, from: 'PREROUTING', to: 'KUBE-SERVICES', comment: 'kubernetes service portals' },
    { table: 'nat' as const, from: 'POSTROUTING', to: 'KUBE-POSTROUTING', comment: 'kubernetes postrouting rules' },
    { table: 'filter' as const, from: 'FORWARD', to: 'KUBE-FORWARD', comment: 'kubernetes forwarding rules' },
    { table: 'filter' as const, from: 'INPUT', to: 'KUBE-NODE-PORT', comment: 'kubernetes health check rules' },
    { table: 'filter' as const, from: 'INPUT', to: 'KUBE-PROXY-FIREWALL', comment: 'kube-proxy firewall rules' },
    { table: 'filter' as const, from: 'FORWARD', to: 'KUBE-PROXY-FIREWALL', comment: 'kube-proxy firewall rules' },
  ];
  if (accessFilter) {
    j.push({ table: 'filter', from: 'INPUT', to: 'KUBE-IPVS-FILTER', comment: 'kubernetes ipvs access filter' });
    j.push({ table: 'filter', from: 'OUTPUT', to: 'KUBE-IPVS-OUT-FILTER', comment: 'kubernetes ipvs access filter' });
  }
  return j;
}

const q = (s: string): string => (/\s/.test(s) ? `"${s}"` : s);
const setMatch = (name: string, dirs: string): string => `-m comment --comment ${q(IPSET_COMMENT.get(name) ?? '')} -m set --match-set ${name} ${dirs}`;

/** ipsetWithIptablesChain: [set, table, from chain, target, match flags, protocol]. */
const SET_JUMPS: readonly (readonly [string, 'nat' | 'filter', string, string, string, string])[] = [
  [KUBE_LOOP_BACK, 'nat', 'KUBE-POSTROUTING', 'MASQUERADE', 'dst,dst,src', ''],
  [KUBE_LOAD_BALANCER, 'nat', 'KUBE-SERVICES', 'KUBE-LOAD-BALANCER', 'dst,dst', ''],
  [KUBE_LOAD_BALANCER_LOCAL, 'nat', 'KUBE-LOAD-BALANCER', 'RETURN', 'dst,dst', ''],
  [KUBE_NODE_PORT_LOCAL_TCP, 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst', 'tcp'],
  [KUBE_NODE_PORT_TCP, 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst', 'tcp'],
  [KUBE_NODE_PORT_LOCAL_UDP, 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst', 'udp'],
  [KUBE_NODE_PORT_UDP, 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst', 'udp'],
  [KUBE_NODE_PORT_LOCAL_SCTP, 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst,dst', 'sctp'],
  [KUBE_NODE_PORT_SCTP, 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst,dst', 'sctp'],
  [KUBE_LOAD_BALANCER_FW, 'filter', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'dst,dst', ''],
  [KUBE_LOAD_BALANCER_SOURCE_CIDR, 'filter', 'KUBE-SOURCE-RANGES-FIREWALL', 'RETURN', 'dst,dst,src', ''],
  [KUBE_LOAD_BALANCER_SOURCE_IP, 'filter', 'KUBE-SOURCE-RANGES-FIREWALL', 'RETURN', 'dst,dst,src', ''],
];

/**
 * The iptables-restore payload of IPVS mode: a constant number of rules whatever the number of
 * Services, all keyed on ipsets (createAndLinkKubeChain + writeIptablesRules). Rule text is
 * kube-proxy's argument order.
 */
export function ipvsIptablesRestore(i: IpvsRulesInput): string {
  const nat: string[] = [];
  const filter: string[] = [];
  const has = (s: string): boolean => i.nonEmpty.has(s);
  nat.push('-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN');
  for (const [set, table, from, to, dirs, proto] of SET_JUMPS) {
    if (!has(set)) continue;
    const line = `-A ${from}${proto === '' ? '' : ` -p ${proto}`} ${setMatch(set, dirs)} -j ${to}`;
    (table === 'nat' ? nat : filter).push(line);
  }
  if (has(KUBE_CLUSTER_IP)) {
    const base = `-A KUBE-SERVICES ${setMatch(KUBE_CLUSTER_IP, '')}`.trimEnd();
    if (i.masqueradeAll) nat.push(`${base} dst,dst -j KUBE-MARK-MASQ`);
    else if (i.clusterCIDR !== undefined) nat.push(`${base} dst,dst ! -s ${i.clusterCIDR} -j KUBE-MARK-MASQ`);
    else nat.push(`${base} src,dst -j KUBE-MARK-MASQ`);
  }
  const externalIPRules = (args: string): void => {
    nat.push(`${args} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`);
    nat.push(`${args} -m addrtype --dst-type LOCAL -j ACCEPT`);
  };
  if (has(KUBE_EXTERNAL_IP)) {
    const args = `-A KUBE-SERVICES ${setMatch(KUBE_EXTERNAL_IP, 'dst,dst')}`;
    nat.push(`${args} -j KUBE-MARK-MASQ`);
    externalIPRules(args);
  }
  if (has(KUBE_EXTERNAL_IP_LOCAL)) externalIPRules(`-A KUBE-SERVICES ${setMatch(KUBE_EXTERNAL_IP_LOCAL, 'dst,dst')}`);
  nat.push('-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT');
  nat.push('-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ');
  filter.push('-A KUBE-SOURCE-RANGES-FIREWALL -j DROP');
  // acceptIPVSTraffic: last rules of KUBE-SERVICES.
  for (const set of [KUBE_CLUSTER_IP, KUBE_LOAD_BALANCER]) if (has(set)) nat.push(`-A KUBE-SERVICES -m set --match-set ${set} dst,dst -j ACCEPT`);
  filter.push(`-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${i.mark}/${i.mark} -j ACCEPT`);
  filter.push('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  filter.push(`-A KUBE-NODE-PORT ${setMatch(KUBE_HEALTH_CHECK_NODE_PORT, 'dst')} -j ACCEPT`);
  if (i.accessFilter) {
    for (const set of [KUBE_LOAD_BALANCER, KUBE_CLUSTER_IP, KUBE_EXTERNAL_IP, KUBE_EXTERNAL_IP_LOCAL]) filter.push(`-A KUBE-IPVS-FILTER -m set --match-set ${set} dst,dst -j RETURN`);
    filter.push(`-A KUBE-IPVS-FILTER -m set --match-set ${KUBE_HEALTH_CHECK_NODE_PORT} dst -j RETURN`);
    filter.push(`-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set ${KUBE_IPVS_IPS} dst -j REJECT`);
  }
  nat.push(`-A KUBE-POSTROUTING -m mark ! --mark ${i.mark}/${i.mark} -j RETURN`);
  nat.push(`-A KUBE-POSTROUTING -j MARK --xor-mark ${i.mark}`);
  nat.push(`-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${i.randomFully ? ' --random-fully' : ''}`);
  nat.push(`-A KUBE-MARK-MASQ -j MARK --or-mark ${i.mark}`);
  const natChains = ['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-NODE-PORT', 'KUBE-LOAD-BALANCER', 'KUBE-MARK-MASQ'];
  const filterChains = ['KUBE-FORWARD', 'KUBE-NODE-PORT', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', ...(i.accessFilter ? ['KUBE-IPVS-FILTER', 'KUBE-IPVS-OUT-FILTER'] : [])];
  const decl = (c: string): string => `:${c} - [0:0]`;
  return ['*nat', ...natChains.map(decl), ...nat, 'COMMIT', '*filter', ...filterChains.map(decl), ...filter, 'COMMIT', ''].join('\n');
}
