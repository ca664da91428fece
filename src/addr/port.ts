import { InputError } from '../lib/index.js';

export type Port = number & { readonly __brand: 'Port' };

export function parsePort(v: string | number, where?: string): Port {
  const n = typeof v === 'number' ? v : /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InputError('KW_ADDR_INVALID_PORT', `"${String(v)}" is not a port number (0-65535)`, where === undefined ? {} : { where });
  }
  return n as Port;
}

export type L4Proto = 'tcp' | 'udp' | 'sctp';
export type IpProto = L4Proto | 'icmp';

/** IANA protocol numbers, as iptables and the IP header carry them. */
export const PROTO_NUMBER: Readonly<Record<IpProto, number>> = { icmp: 1, tcp: 6, udp: 17, sctp: 132 };
