import { type Ip4, parseIp4 } from '../../../src/addr/index.js';
import { NEW_CT, type AddrType, type HostView, type Skb } from '../../../src/net/hooks.js';
import { makePacket } from '../../../src/packet/index.js';

/** A host whose LOCAL addresses and per-device primary addresses are given. */
export function fakeHost(local: string[] = [], primary: Record<string, string> = {}): HostView {
  const locals = new Set(local.map((a) => parseIp4(a)));
  return {
    netns: 'kw-test',
    addrType: (ip: Ip4): AddrType => (locals.has(ip) || ip >>> 24 === 127 ? 'LOCAL' : 'UNICAST'),
    primaryAddress: (dev) => (primary[dev] === undefined ? undefined : parseIp4(primary[dev])),
    sourceAddressFor: () => undefined,
  };
}

export function skb(src: string, dst: string, dport = 80, opts: { proto?: 'tcp' | 'udp' | 'icmp'; sport?: number; inDev?: string; outDev?: string; mark?: number } = {}): Skb {
  return {
    packet: makePacket({ src: parseIp4(src), dst: parseIp4(dst), proto: opts.proto ?? 'tcp', sport: opts.sport ?? 40000, dport }),
    mark: opts.mark ?? 0,
    ct: NEW_CT,
    inDev: opts.inDev,
    outDev: opts.outDev,
    physIn: undefined,
    physOut: undefined,
    bridged: false,
  };
}
