import type { Rng } from '../lib/index.js';

/** Where uids come from: injected so tests get stable uids and production can use crypto. */
export interface IdSource {
  uid(): string;
}

/** RFC 4122 version-4 uids drawn from a seeded Rng (deterministic in tests and simulations). */
export function rngIds(rng: Rng): IdSource {
  return {
    uid(): string {
      const hex: string[] = [];
      for (let i = 0; i < 16; i++) {
        let b = rng.int(256);
        if (i === 6) b = (b & 0x0f) | 0x40;
        if (i === 8) b = (b & 0x3f) | 0x80;
        hex.push(b.toString(16).padStart(2, '0'));
      }
      const h = hex.join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  };
}

/** The alphabet of generateName suffixes (k8s.io/apimachinery/pkg/util/rand: no vowels, no confusable characters). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(rng: Rng, n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHANUMS[rng.int(ALPHANUMS.length)] ?? 'x';
  return s;
}
