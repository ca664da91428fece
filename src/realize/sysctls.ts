/**
 * The sysctls each kind of namespace gets, set explicitly: a new namespace copies its IPv4 settings from the host's
 * (on this machine ip_forward=1), so nothing may be left to inheritance. `default` is set before any link exists,
 * so the links created later take it; `all` is what the kernel combines with the per-device value.
 */
export type NetnsRole = 'node' | 'pod' | 'external' | 'switch';

export interface NodeSysctls {
  readonly routeLocalnet: boolean;
}

const COMMON: readonly [string, string][] = [
  // Strict reverse-path filtering would drop the asymmetric flows kube-proxy creates (ECMP in, masqueraded out);
  // the emulator does not model it, so it is off everywhere.
  ['net.ipv4.conf.all.rp_filter', '0'],
  ['net.ipv4.conf.default.rp_filter', '0'],
  // The emulator models no ICMP redirects: a node forwarding a NodePort packet back out of eth0 must not teach
  // the client a shortcut, and nobody learns one.
  ['net.ipv4.conf.all.send_redirects', '0'],
  ['net.ipv4.conf.default.send_redirects', '0'],
  ['net.ipv4.conf.all.accept_redirects', '0'],
  ['net.ipv4.conf.default.accept_redirects', '0'],
];

/** The key/value pairs for one namespace role. */
export function sysctlsFor(role: NetnsRole, node: NodeSysctls = { routeLocalnet: false }): [string, string][] {
  switch (role) {
    case 'node':
      return [
        ['net.ipv4.ip_forward', '1'],
        ...COMMON,
        // cni0 holds the pods' gateway address; with arp_ignore=0 the node would answer ARP for it (and for every
        // other local address) on eth0 too. Answer only for addresses of the receiving device, as the emulator does.
        ['net.ipv4.conf.all.arp_ignore', '1'],
        ['net.ipv4.conf.default.arp_ignore', '1'],
        ['net.ipv4.conf.all.route_localnet', node.routeLocalnet ? '1' : '0'],
        // Bridged pod-to-pod frames go through iptables (br_netfilter), as kube-proxy requires.
        ['net.bridge.bridge-nf-call-iptables', '1'],
      ];
    case 'pod':
      return [['net.ipv4.ip_forward', '0'], ...COMMON, ['net.ipv4.conf.all.arp_ignore', '0'], ['net.ipv4.conf.default.arp_ignore', '0']];
    case 'external':
      // An upstream router spreading LoadBalancer flows over nodes hashes per flow (L4), as the emulator's ECMP
      // branches assume; policy 0 would pin every connection from one client to one node.
      return [['net.ipv4.ip_forward', '0'], ...COMMON, ['net.ipv4.fib_multipath_hash_policy', '1']];
    case 'switch':
      // A plain L2 switch: no forwarding, and bridged frames never reach (empty) iptables.
      return [['net.ipv4.ip_forward', '0'], ...COMMON, ['net.bridge.bridge-nf-call-iptables', '0']];
  }
}

/** One `sysctl -w` with every pair. */
export function sysctlArgv(pairs: readonly (readonly [string, string])[]): string[] {
  return ['sysctl', '-q', '-w', ...pairs.map(([k, v]) => `${k}=${v}`)];
}
