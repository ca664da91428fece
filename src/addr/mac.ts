/**
 * MAC addresses as lowercase colon text. Real veth and bridge MACs are random; ours are derived
 * from a stable name with FNV-1a so that the same topology always prints the same tables.
 * The first octet is locally administered and unicast (x2, x6, xa, xe), as the kernel's
 * eth_random_addr makes them.
 */
export type Mac = string & { readonly __brand: 'Mac' };

export function macFromName(name: string): Mac {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c ^ (h1 >>> 7), 0x01000193) >>> 0;
  }
  // One flat string from char codes (an array of padded strings joined cost more, and a template literal would leave
  // a chain of cons strings): a 150,000-pod build makes 300,000 of these.
  return macText(((h1 >>> 24) & 0xfc) | 0x02, (h1 >>> 16) & 255, (h1 >>> 8) & 255, h1 & 255, (h2 >>> 8) & 255, h2 & 255);
}

/** Char codes of a byte's two lowercase hex digits, high digit first (index 2b and 2b+1). */
const HEX_CODES: readonly number[] = Array.from({ length: 512 }, (_, i) => '0123456789abcdef'.charCodeAt(i % 2 === 0 ? (i >> 1) >> 4 : (i >> 1) & 15));

function macText(a: number, b: number, c: number, d: number, e: number, f: number): Mac {
  const h = HEX_CODES;
  const x = (v: number, k: 0 | 1): number => h[2 * v + k] ?? 48;
  return String.fromCharCode(x(a, 0), x(a, 1), 58, x(b, 0), x(b, 1), 58, x(c, 0), x(c, 1), 58, x(d, 0), x(d, 1), 58, x(e, 0), x(e, 1), 58, x(f, 0), x(f, 1)) as Mac;
}

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff' as Mac;
export const ZERO_MAC = '00:00:00:00:00:00' as Mac;

export function parseMac(text: string): Mac | undefined {
  const t = text.trim().toLowerCase();
  return /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(t) ? (t as Mac) : undefined;
}
