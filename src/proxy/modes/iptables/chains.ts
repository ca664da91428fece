/** Chain names and the fixed jump rules of kube-proxy's iptables mode (pkg/proxy/iptables/proxier.go). */
export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
export const KUBE_PROXY_CANARY = 'KUBE-PROXY-CANARY';
export const KUBE_FIREWALL = 'KUBE-FIREWALL';

export const LOCALHOST_NPS_COUNTER = 'localhost_nps_accepted_pkts';
export const CT_INVALID_COUNTER = 'ct_state_invalid_dropped_pkts';

export type Table = 'filter' | 'nat' | 'mangle';

/**
 * One rule kube-proxy installs with EnsureChain + EnsureRule(Prepend, …), i.e. `iptables -t <table>
 * -N <dstChain>` then (if `-C` finds no such rule) `iptables -t <table> -I <srcChain> <args>`.
 */
export interface EnsuredJump {
  readonly table: Table;
  readonly srcChain: string;
  readonly dstChain: string;
  /** Arguments after `-I <srcChain>`: extra args, then `-m comment --comment <c>` (if any), then `-j <dst>`. */
  readonly args: readonly string[];
}

function jump(table: Table, dstChain: string, srcChain: string, comment: string, extra: readonly string[]): EnsuredJump {
  const args = [...extra];
  if (comment !== '') args.push('-m', 'comment', '--comment', comment);
  args.push('-j', dstChain);
  return { table, srcChain, dstChain, args };
}

const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'] as const;

/** iptablesJumpChains followed by iptablesKubeletJumpChains, in kube-proxy's order. */
export const ENSURED_JUMPS: readonly EnsuredJump[] = [
  jump('filter', KUBE_EXTERNAL_SERVICES, 'INPUT', 'kubernetes externally-visible service portals', NEW),
  jump('filter', KUBE_EXTERNAL_SERVICES, 'FORWARD', 'kubernetes externally-visible service portals', NEW),
  jump('filter', KUBE_NODEPORTS, 'INPUT', 'kubernetes health check service ports', []),
  jump('filter', KUBE_SERVICES, 'FORWARD', 'kubernetes service portals', NEW),
  jump('filter', KUBE_SERVICES, 'OUTPUT', 'kubernetes service portals', NEW),
  jump('filter', KUBE_FORWARD, 'FORWARD', 'kubernetes forwarding rules', []),
  jump('filter', KUBE_PROXY_FIREWALL, 'INPUT', 'kubernetes load balancer firewall', NEW),
  jump('filter', KUBE_PROXY_FIREWALL, 'OUTPUT', 'kubernetes load balancer firewall', NEW),
  jump('filter', KUBE_PROXY_FIREWALL, 'FORWARD', 'kubernetes load balancer firewall', NEW),
  jump('nat', KUBE_SERVICES, 'OUTPUT', 'kubernetes service portals', []),
  jump('nat', KUBE_SERVICES, 'PREROUTING', 'kubernetes service portals', []),
  jump('nat', KUBE_POSTROUTING, 'POSTROUTING', 'kubernetes postrouting rules', []),
  jump('filter', KUBE_FIREWALL, 'INPUT', '', []),
  jump('filter', KUBE_FIREWALL, 'OUTPUT', '', []),
];

/** The canary chain ipt.Monitor creates in each table (empty; its loss forces a full resync). */
export const CANARY_TABLES: readonly Table[] = ['mangle', 'nat', 'filter'];

/** Quotes an argument the way iptables-save would print it (only when it contains a space). */
export function shellArg(a: string): string {
  return /[\s"]/.test(a) ? `"${a}"` : a;
}

/** `-I <chain> <args>` as a command-line rule text (for logs and the node view). */
export function ensuredJumpText(j: EnsuredJump, op: '-I' | '-A' = '-I'): string {
  return `${op} ${j.srcChain} ${j.args.map(shellArg).join(' ')}`;
}
