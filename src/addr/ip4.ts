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
  // Almost every text is canonical: read it by hand (no regex, no ipaddr.js object per address; CNI ADDs and the
  // API's pod IPs parse hundreds of thousands of them). The checks below accept exactly the same texts.
  const fast = canonicalIp4(t);
  if (fast !== undefined) return fast;
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(t) || !ipaddr.IPv4.isValidFourPartDecimal(t)) {
    throw new InputError('KW_ADDR_INVALID_IP', `"${text}" is not a valid IPv4 address`, where === undefined ? {} : { where });
  }
  const bytes = ipaddr.IPv4.parse(t).octets;
  return ip4(((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0));
}

/**
 * Canonical dotted-quad text ("10.99.0.2": four parts 0-255, no leading zeros, nothing else) read by hand, or
 * undefined for any other text. Hot paths (CNI results, host-local's store, the virtual kernel's address texts)
 * hold almost only such text; callers fall back to a full parser when this says no. `from`/`to` read a slice of
 * the text in place (the address of "10.0.0.2/24").
 */
export function canonicalIp4(text: string, from = 0, to = text.length): Ip4 | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return undefined;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else {
      return undefined;
    }
  }
  return dots === 3 && digits > 0 ? ip4(value * 256 + part) : undefined;
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
