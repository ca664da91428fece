import { Cidr4, canonicalIp4, type IfAddr, type Ip4 } from '../../addr/index.js';

/** Canonical dotted-quad text, read by hand (src/addr's reader, which also reads a slice in place). */
export { canonicalIp4 };

/** "a.b.c.d/len" in canonical form: the address and the prefix length (0-32, one or two digits), else undefined. */
function canonicalPrefixed(text: string): { ip: Ip4; prefix: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const n = text.length - slash - 1;
  if (n < 1 || n > 2) return undefined;
  let prefix = 0;
  for (let i = slash + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    prefix = prefix * 10 + (c - 48);
  }
  if (prefix > 32) return undefined;
  const ip = canonicalIp4(text, 0, slash);
  return ip === undefined ? undefined : { ip, prefix };
}

/** parseIfAddr's answer for canonical text, else undefined. */
export function canonicalIfAddr(text: string): IfAddr | undefined {
  return canonicalPrefixed(text);
}

/** Cidr4.parse's answer for canonical text without host bits, else undefined (the caller words the error). */
export function canonicalCidr4(text: string): Cidr4 | undefined {
  const p = canonicalPrefixed(text);
  if (p === undefined) return undefined;
  const c = new Cidr4(p.ip, p.prefix);
  return c.network === p.ip ? c : undefined;
}
