import { ip4ToString, tryParseIp4 } from '../../addr/index.js';
import type { Packet } from '../../packet/index.js';
import type { NftSelector } from './types.js';

/**
 * A map key as one number, as nf_tables hashes the concatenated key registers rather than text:
 * an address takes 32 bits, a protocol 2 (tcp, udp, sctp, icmp), a port 16. A key of more than 53
 * bits (two addresses and a port) has no numeric form and is looked up as text.
 */
const PROTOS = ['tcp', 'udp', 'sctp', 'icmp'] as const;
const DPORT_PROTO: Readonly<Record<'tcp dport' | 'udp dport' | 'sctp dport', string>> = { 'tcp dport': 'tcp', 'udp dport': 'udp', 'sctp dport': 'sctp' };

/** The selectors of a key, if it fits in a number. */
export function numericKey(sel: readonly NftSelector[]): readonly NftSelector[] | undefined {
  let bits = 0;
  for (const s of sel) bits += width(s);
  return bits <= 53 ? sel : undefined;
}

function width(s: NftSelector): number {
  return s === 'ip saddr' || s === 'ip daddr' ? 32 : s === 'meta l4proto' ? 2 : 16;
}

/** The packet's key, or -1 where the text key would have had an empty part (no port on icmp, `tcp dport` of a udp packet). */
export function packetKey(sel: readonly NftSelector[], p: Packet): number {
  let k = 0;
  for (let i = 0; i < sel.length; i++) {
    const s = sel[i] as NftSelector;
    switch (s) {
      case 'ip saddr':
        k = k * 4294967296 + p.src;
        break;
      case 'ip daddr':
        k = k * 4294967296 + p.dst;
        break;
      case 'meta l4proto':
        k = k * 4 + PROTOS.indexOf(p.proto);
        break;
      case 'th dport':
        if (p.proto === 'icmp') return -1;
        k = k * 65536 + p.dport;
        break;
      default:
        // tcp / udp / sctp dport: the selector's protocol only.
        if (DPORT_PROTO[s] !== p.proto) return -1;
        k = k * 65536 + p.dport;
    }
  }
  return k;
}

/**
 * An element's key parts (`172.30.0.41`, `tcp`, `80`) as the number packetKey gives a packet
 * whose fields print as those parts; undefined if a part is not as nft prints a packet's field
 * (such an element never matched a packet's text key either).
 */
export function elementKey(sel: readonly NftSelector[], parts: readonly string[]): number | undefined {
  if (parts.length !== sel.length) return undefined;
  let k = 0;
  for (let i = 0; i < sel.length; i++) {
    const s = sel[i] as NftSelector;
    const t = parts[i] ?? '';
    if (s === 'ip saddr' || s === 'ip daddr') {
      const ip = tryParseIp4(t);
      if (ip === undefined || ip4ToString(ip) !== t) return undefined;
      k = k * 4294967296 + ip;
    } else if (s === 'meta l4proto') {
      const n = (PROTOS as readonly string[]).indexOf(t);
      if (n < 0) return undefined;
      k = k * 4 + n;
    } else {
      const n = Number(t);
      if (!/^\d+$/.test(t) || String(n) !== t || n > 65535) return undefined;
      k = k * 65536 + n;
    }
  }
  return k;
}

