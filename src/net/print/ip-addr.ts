import { ifAddrSubnet, ip4ToString } from '../../addr/index.js';
import type { Link } from '../link.js';
import type { Netns } from '../netns.js';
import type { Network } from '../network.js';

/** `ip addr show` for one namespace, in iproute2's layout. */
export function printIpAddr(net: Network, ns: Netns): string {
  const lines: string[] = [];
  for (const l of [...ns.links.values()].sort((a, b) => a.ifindex - b.ifindex)) {
    lines.push(`${l.ifindex}: ${l.name}${peerSuffix(net, l)}: <${flags(l)}> mtu ${l.mtu} qdisc noqueue${l.master === undefined ? '' : ` master ${l.master}`} state ${state(l)} group default${l.kind === 'vxlan' ? '' : ' qlen 1000'}`);
    if (l.kind === 'loopback') lines.push(`    link/loopback ${l.mac} brd 00:00:00:00:00:00`);
    else lines.push(`    link/ether ${l.mac} brd ff:ff:ff:ff:ff:ff${l.kind === 'veth' ? ` link-netns ${l.peer.netns}` : ''}`);
    if (l.kind === 'vxlan') lines.push(`    vxlan id ${l.vni} local ${ip4ToString(l.local)} dev ${l.dev} srcport 0 0 dstport ${l.port} nolearning ttl auto ageing 300`);
    for (const a of l.addrs) {
      const scope = l.kind === 'loopback' ? 'host' : 'global';
      const brd = a.prefix < 31 && l.kind !== 'loopback' ? ` brd ${ip4ToString(ifAddrSubnet(a).broadcast)}` : '';
      lines.push(`    inet ${ip4ToString(a.ip)}/${a.prefix}${brd} scope ${scope} ${l.name}`);
      lines.push('       valid_lft forever preferred_lft forever');
    }
  }
  return lines.join('\n') + '\n';
}

function peerSuffix(net: Network, l: Link): string {
  if (l.kind !== 'veth') return '';
  const peer = net.netns.get(l.peer.netns)?.link(l.peer.name);
  return peer === undefined ? '@NONE' : `@if${peer.ifindex}`;
}

function flags(l: Link): string {
  const up = l.up ? ',UP,LOWER_UP' : '';
  return l.kind === 'loopback' ? `LOOPBACK${up}` : `BROADCAST,MULTICAST${up}`;
}

function state(l: Link): string {
  if (!l.up) return 'DOWN';
  return l.kind === 'loopback' || l.kind === 'vxlan' || l.kind === 'dummy' ? 'UNKNOWN' : 'UP';
}
