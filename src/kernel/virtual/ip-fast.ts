import { Cidr4, type IfAddr, type Ip4 } from '../../addr/index.js';

/**
 * Canonical dotted-quad text ("10.99.0.2": four decimal parts, 0-255, no leading zeros, nothing around) read by
 * hand, as the driver meets it on every ADD. Anything else gives undefined and the caller takes src/addr's parser,
 * which accepts the same canonical texts with the same value and words the errors.
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
      if (digits > 0 && part === 0) return undefined; // a leading zero
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return (value * 256 + part) as Ip4;
}

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
