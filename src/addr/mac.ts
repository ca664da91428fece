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
  const bytes = [
    ((h1 >>> 24) & 0xfc) | 0x02,
    (h1 >>> 16) & 255,
    (h1 >>> 8) & 255,
    h1 & 255,
    (h2 >>> 8) & 255,
    h2 & 255,
  ];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':') as Mac;
}

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff' as Mac;
export const ZERO_MAC = '00:00:00:00:00:00' as Mac;

export function parseMac(text: string): Mac | undefined {
  const t = text.trim().toLowerCase();
  return /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(t) ? (t as Mac) : undefined;
}
