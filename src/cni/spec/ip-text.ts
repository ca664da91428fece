import { isIPv4, isIPv6 } from 'node:net';

/**
 * Textual IP/CIDR checks with Go's net.ParseIP / net.ParseCIDR acceptance, which is what decides whether a real
 * plugin or libcni accepts a result. Only the text is judged here; address arithmetic lives in src/addr.
 */

/** Go's ParseIP rejects IPv6 zones ("fe80::1%eth0"); node's isIPv6 accepts them. */
export function isIpText(s: string): boolean {
  return isIPv4(s) || (isIPv6(s) && !s.includes('%'));
}

/** "10.1.0.2/24" or "fd00::2/64": host bits allowed (Go keeps the address as written, cf. types.ParseCIDR). */
export function isCidrText(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const addr = s.slice(0, slash);
  const prefix = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix) || !isIpText(addr)) return false;
  return Number(prefix) <= (isIPv4(addr) ? 32 : 128);
}

/**
 * Address family as Go's `IP.To4() != nil` decides it: IPv4-mapped IPv6 text ("::ffff:10.0.0.1") counts as 4.
 * Accepts a bare address or CIDR text.
 */
export function ipFamilyOf(text: string): 4 | 6 {
  const addr = text.includes('/') ? text.slice(0, text.indexOf('/')) : text;
  if (isIPv4(addr)) return 4;
  if (/^(0{0,4}:){0,5}:?ffff:\d+\.\d+\.\d+\.\d+$/i.test(addr) || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(addr)) return 4;
  return 6;
}
