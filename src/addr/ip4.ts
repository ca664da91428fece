import ipaddr from 'ipaddr.js';
import { InputError } from '../lib/index.js';

/**
 * An IPv4 address as an unsigned 32-bit number. Kept numeric because the datapath hashes and
 * masks addresses on every hop; strings appear only at the edges.
 */
export type Ip4 = number & { readonly __brand: 'Ip4' };

export function ip4(n: number): Ip4 {
  return (n >>> 0) as Ip4;
}

/** Parses dotted-quad text strictly (no octal, no shorthand); throws InputError naming `where`. */
export function parseIp4(text: string, where?: string): Ip4 {
  const t = text.trim();
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(t) || !ipaddr.IPv4.isValidFourPartDecimal(t)) {
    throw new InputError('KW_ADDR_INVALID_IP', `"${text}" is not a valid IPv4 address`, where === undefined ? {} : { where });
  }
  const bytes = ipaddr.IPv4.parse(t).octets;
  return ip4(((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0));
}

export function tryParseIp4(text: string): Ip4 | undefined {
  try {
    return parseIp4(text);
  } catch {
    return undefined;
  }
}

export function ip4ToString(ip: Ip4 | number): string {
  return `${(ip >>> 24) & 255}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

export function isLoopback(ip: Ip4): boolean {
  return ip >>> 24 === 127;
}
