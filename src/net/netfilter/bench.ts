import { ip4, ip4ToString } from '../../addr/index.js';
import { makePacket } from '../../packet/index.js';
import { type HostView, NEW_CT, type Skb } from '../hooks.js';
import { Netfilter } from './netfilter.js';
import { parseIptablesSave } from './restore.js';

/**
 * Micro-benchmark helpers for scripts/bench.ts (they measure; they never assert on time).
 * The ruleset is shaped like kube-proxy's iptables mode: per service a KUBE-SERVICES dispatch
 * rule, a KUBE-SVC chain with a masquerade rule and statistic picks, a KUBE-SEP chain per endpoint.
 */
export function kubeProxyRulesetText(services: number, endpoints = 3): string {
  const chains: string[] = [':KUBE-SERVICES - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-POSTROUTING - [0:0]', ':KUBE-MARK-MASQ - [0:0]'];
  const rules: string[] = [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  ];
  for (let s = 0; s < services; s++) {
    const name = `ns${s}/svc${s}:p80`;
    const cip = serviceIp(s);
    const svc = `KUBE-SVC-${hashLike(s, 0)}`;
    chains.push(`:${svc} - [0:0]`);
    rules.push(`-A KUBE-SERVICES -m comment --comment "${name} cluster IP" -m tcp -p tcp -d ${cip} --dport 80 -j ${svc}`);
    rules.push(`-A ${svc} -m comment --comment "${name} cluster IP" -m tcp -p tcp -d ${cip} --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`);
    for (let e = 0; e < endpoints; e++) {
      const sep = `KUBE-SEP-${hashLike(s, e + 1)}`;
      const ep = `${ip4ToString(ip4(0x0ab40000 + s * endpoints + e))}:8080`;
      chains.push(`:${sep} - [0:0]`);
      const left = endpoints - e;
      const stat = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : '';
      rules.push(`-A ${svc} -m comment --comment "${name} -> ${ep}"${stat} -j ${sep}`);
      rules.push(`-A ${sep} -m comment --comment ${name} -s ${ep.split(':')[0] ?? ''} -j KUBE-MARK-MASQ`);
      rules.push(`-A ${sep} -m comment --comment ${name} -m tcp -p tcp -j DNAT --to-destination ${ep}`);
    }
  }
  rules.push('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  return `*nat\n${chains.join('\n')}\n${rules.join('\n')}\nCOMMIT\n`;
}

export function serviceIp(s: number): string {
  return ip4ToString(ip4(0xac1e0000 + 1 + s));
}

function hashLike(s: number, e: number): string {
  return `${s.toString(36).toUpperCase().padStart(8, 'A')}${e.toString(36).toUpperCase().padStart(8, 'Z')}`.slice(0, 16);
}

/** Parses (and validates) the text; returns the milliseconds taken and the rule count. */
export function benchParse(text: string, now: () => number): { ms: number; rules: number } {
  const t0 = now();
  const { ruleset } = parseIptablesSave(text);
  const ms = now() - t0;
  let rules = 0;
  for (const c of ruleset.tables.nat.chains.values()) rules += c.rules.length;
  return { ms, rules };
}

const BENCH_HOST: HostView = {
  netns: 'kw-bench',
  addrType: (ip) => (ip === 0xc0a80002 ? 'LOCAL' : 'UNICAST'),
  primaryAddress: () => ip4(0xc0a80002),
  sourceAddressFor: () => ip4(0xc0a80002),
};

/**
 * Runs `packets` first packets (ct NEW) to random ClusterIPs through the nat table at
 * PREROUTING, forks included; returns packets per second and the number of branches seen.
 */
export function benchTrace(nf: Netfilter, services: number, packets: number, now: () => number): { perSecond: number; branches: number } {
  const skbs: Skb[] = [];
  for (let i = 0; i < Math.min(packets, 4096); i++) {
    const s = (i * 7919) % services;
    skbs.push({
      packet: makePacket({ src: ip4(0x0a000002 + (i % 200)), dst: ip4(0xac1e0000 + 1 + s), proto: 'tcp', sport: 30000 + i, dport: 80 }),
      mark: 0,
      ct: NEW_CT,
      inDev: 'eth0',
      outDev: undefined,
      physIn: undefined,
      physOut: undefined,
      bridged: false,
    });
  }
  let branches = 0;
  const t0 = now();
  for (let i = 0; i < packets; i++) {
    const skb = skbs[i % skbs.length];
    if (skb !== undefined) branches += nf.runTable('nat', 'PREROUTING', skb, BENCH_HOST).length;
  }
  const ms = now() - t0;
  return { perSecond: (packets * 1000) / Math.max(ms, 1e-6), branches };
}

/** A Netfilter loaded with the kube-proxy-like ruleset. */
export function benchNetfilter(services: number, endpoints = 3): Netfilter {
  const nf = new Netfilter('kw-bench');
  nf.iptablesRestore(kubeProxyRulesetText(services, endpoints));
  return nf;
}
