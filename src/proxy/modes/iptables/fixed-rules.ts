import {
  CT_INVALID_COUNTER,
  KUBE_EXTERNAL_SERVICES,
  KUBE_FIREWALL,
  KUBE_FORWARD,
  KUBE_MARK_MASQ,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
} from './chains.js';
import type { ResolvedConfig } from './config.js';

/** The node-level parts of kube-proxy's restore input that do not depend on Services. */
const decl = (c: string): string => `:${c} - [0:0]\n`;

/** Filter chain lines: the five top-level chains, then KUBE-FIREWALL (IPv4 localhost NodePorts only). */
export function fixedFilterChains(cfg: ResolvedConfig): string {
  let s = decl(KUBE_SERVICES) + decl(KUBE_EXTERNAL_SERVICES) + decl(KUBE_FORWARD) + decl(KUBE_NODEPORTS) + decl(KUBE_PROXY_FIREWALL);
  if (cfg.localhostNodePorts) s += decl(KUBE_FIREWALL);
  return s;
}

/** KUBE-FIREWALL's anti-martian rule (route_localnet=1 would otherwise accept 127/8 from outside; issue 90259). */
export function fixedFilterRulesHead(cfg: ResolvedConfig): string {
  if (!cfg.localhostNodePorts) return '';
  return `-A ${KUBE_FIREWALL} -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n`;
}

/** KUBE-FORWARD, written after all per-service filter rules. */
export function fixedFilterRulesTail(cfg: ResolvedConfig): string {
  let s = '';
  if (!cfg.conntrackTCPLiberal) {
    const acct = cfg.nfacct ? ` -m nfacct --nfacct-name ${CT_INVALID_COUNTER}` : '';
    s += `-A ${KUBE_FORWARD} -m conntrack --ctstate INVALID${acct} -j DROP\n`;
  }
  s += `-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding rules" -m mark --mark ${cfg.mark}/${cfg.mark} -j ACCEPT\n`;
  s += `-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n`;
  return s;
}

export function fixedNatChains(): string {
  return decl(KUBE_SERVICES) + decl(KUBE_NODEPORTS) + decl(KUBE_POSTROUTING) + decl(KUBE_MARK_MASQ);
}

/** KUBE-POSTROUTING and KUBE-MARK-MASQ bodies, the first nat rules kube-proxy writes. */
export function fixedNatRulesHead(cfg: ResolvedConfig): string {
  const m = cfg.mark;
  return (
    `-A ${KUBE_POSTROUTING} -m mark ! --mark ${m}/${m} -j RETURN\n` +
    `-A ${KUBE_POSTROUTING} -j MARK --xor-mark ${m}\n` +
    `-A ${KUBE_POSTROUTING} -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${cfg.randomFully ? ' --random-fully' : ''}\n` +
    `-A ${KUBE_MARK_MASQ} -j MARK --or-mark ${m}\n`
  );
}

const LAST = '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"';

/** The tail call from KUBE-SERVICES to KUBE-NODEPORTS: addrtype LOCAL, or one rule per --nodeport-addresses IP. */
export function nodePortsJumpRules(cfg: ResolvedConfig): string {
  if (cfg.nodePortIPs === undefined) {
    const lo = cfg.localhostNodePorts ? '' : ' ! -d 127.0.0.0/8';
    return `-A ${KUBE_SERVICES} -m comment --comment ${LAST} -m addrtype --dst-type LOCAL${lo} -j ${KUBE_NODEPORTS}\n`;
  }
  return cfg.nodePortIPs.map((ip) => `-A ${KUBE_SERVICES} -m comment --comment ${LAST} -d ${ip} -j ${KUBE_NODEPORTS}\n`).join('');
}
