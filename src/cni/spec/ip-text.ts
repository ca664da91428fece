import { isIPv4, isIPv6 } from 'node:net';

/**
 * Textual IP/CIDR checks with Go's net.ParseIP / net.ParseCIDR acceptance, which is what decides whether a real
 * plugin or libcni accepts a result. Only the text is judged here; address arithmetic lives in src/addr.
 */

/**
 * Canonical dotted-quad text ("10.99.0.2": four parts 0-255 without leading zeros), read by hand: what results hold
 * almost always. node's isIPv4 accepts exactly these and more, so it decides whenever this says no.
 */
function isCanonicalIp4(s: string): boolean {
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return false;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return false;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return false;
    } else {
      return false;
    }
  }
  return dots === 3 && digits > 0;
}

function isV4(s: string): boolean {
  return isCanonicalIp4(s) || isIPv4(s);
}

/** Go's ParseIP rejects IPv6 zones ("fe80::1%eth0"); node's isIPv6 accepts them. */
export function isIpText(s: string): boolean {
  return isV4(s) || (isIPv6(s) && !s.includes('%'));
}

/** "10.1.0.2/24" or "fd00::2/64": host bits allowed (Go keeps the address as written, cf. types.ParseCIDR). */
export function isCidrText(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
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
