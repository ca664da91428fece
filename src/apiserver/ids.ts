import type { Rng } from '../lib/index.js';

/** Where uids come from: injected so tests get stable uids and production can use crypto. */
export interface IdSource {
  uid(): string;
}

/** Two hex digits per byte value (a uid is made on every create). */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * RFC 4122 version-4 uids drawn from a seeded Rng (deterministic in tests and simulations). The text is joined
 * from its 20 pieces in one go: appended piece by piece it would be a rope of 20 string nodes (some 600 bytes),
 * kept as such in every stored object's metadata until something flattens it.
 */
export function rngIds(rng: Rng): IdSource {
  const parts = new Array<string>(20);
  return {
    uid(): string {
      let j = 0;
      for (let i = 0; i < 16; i++) {
        let b = rng.int(256);
        if (i === 6) b = (b & 0x0f) | 0x40;
        if (i === 8) b = (b & 0x3f) | 0x80;
        if (i === 4 || i === 6 || i === 8 || i === 10) parts[j++] = '-';
        parts[j++] = HEX[b] ?? '00';
      }
      return parts.join('');
    },
  };
}

/** The alphabet of generateName suffixes (k8s.io/apimachinery/pkg/util/rand: no vowels, no confusable characters). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(rng: Rng, n = 5): string {
  const codes = new Array<number>(n);
  for (let i = 0; i < n; i++) codes[i] = ALPHANUMS.charCodeAt(rng.int(ALPHANUMS.length));
  return String.fromCharCode(...codes);
}
