import { isIPv4, isIPv6 } from 'node:net';
import { canonicalIfAddr, canonicalIp4 } from '../../addr/index.js';

/**
 * Textual IP/CIDR checks with Go's net.ParseIP / net.ParseCIDR acceptance, which is what decides whether a real
 * plugin or libcni accepts a result. Only the text is judged here; address arithmetic lives in src/addr.
 */

/** Canonical text (what results almost always hold) is read by hand; node's isIPv4 decides the rest. */
function isV4(s: string): boolean {
  return canonicalIp4(s) !== undefined || isIPv4(s);
}

/** Go's ParseIP rejects IPv6 zones ("fe80::1%eth0"); node's isIPv6 accepts them. */
export function isIpText(s: string): boolean {
  return isV4(s) || (isIPv6(s) && !s.includes('%'));
}

/** "10.1.0.2/24" or "fd00::2/64": host bits allowed (Go keeps the address as written, cf. types.ParseCIDR). */
export function isCidrText(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  // The common case, canonical IPv4 and a one- or two-digit prefix, read in place (every result of every ADD).
  if (canonicalIfAddr(s) !== undefined) return true;
  const addr = s.slice(0, slash);
  const prefix = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) return false;
  const v4 = isV4(addr);
  if (!v4 && !(isIPv6(addr) && !addr.includes('%'))) return false;
  return Number(prefix) <= (v4 ? 32 : 128);
}

/**
 * Address family as Go's `IP.To4() != nil` decides it: IPv4-mapped IPv6 text ("::ffff:10.0.0.1") counts as 4.
 * Accepts a bare address or CIDR text.
 */
export function ipFamilyOf(text: string): 4 | 6 {
  const addr = text.includes('/') ? text.slice(0, text.indexOf('/')) : text;
  if (isV4(addr)) return 4;
  if (/^(0{0,4}:){0,5}:?ffff:\d+\.\d+\.\d+\.\d+$/i.test(addr) || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(addr)) return 4;
  return 6;
}
