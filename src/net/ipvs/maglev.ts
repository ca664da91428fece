import type { RealServer } from './types.js';

/**
 * ip_vs_mh.c: Maglev hashing. The lookup table has IP_VS_MH_TAB_SIZE slots (4093 with the default
 * CONFIG_IP_VS_MH_TAB_INDEX=12); each destination walks its own permutation (offset and skip from
 * hsiphash of its address and port) and claims free slots in turns. The hash secrets are fixed
 * constants in the kernel (generate_hash_secret), so every node builds the same table.
 */
export const MH_TABLE_SIZE = 4093;
const M64 = (1n << 64n) - 1n;
export const MH_KEY1: readonly [bigint, bigint] = [2654435761n, 2654435761n];
export const MH_KEY2: readonly [bigint, bigint] = [2654435801n, 2654435801n];

const rol = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M64;

/** hsiphash on a 64-bit kernel (SipHash-1-3) of one 32-bit word, truncated to 32 bits (lib/siphash.c). */
export function hsiphash32(word: number, key: readonly [bigint, bigint]): number {
  let v0 = 0x736f6d6570736575n ^ key[0];
  let v1 = 0x646f72616e646f6dn ^ key[1];
  let v2 = 0x6c7967656e657261n ^ key[0];
  let v3 = 0x7465646279746573n ^ key[1];
  const b = (4n << 56n) | BigInt(word >>> 0);
  const round = (): void => {
    v0 = (v0 + v1) & M64; v1 = rol(v1, 13n); v1 ^= v0; v0 = rol(v0, 32n);
    v2 = (v2 + v3) & M64; v3 = rol(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M64; v3 = rol(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M64; v1 = rol(v1, 17n); v1 ^= v2; v2 = rol(v2, 32n);
  };
  v3 ^= b;
  round();
  v0 ^= b;
  v2 ^= 0xffn;
  round();
  round();
  round();
  return Number((v0 ^ v1 ^ v2 ^ v3) & 0xffffffffn);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** ip_vs_mh_permutate + ip_vs_mh_populate: the lookup table (slot → destination). */
export function maglevTable(dests: readonly RealServer[], size = MH_TABLE_SIZE): (RealServer | undefined)[] {
  const table: (RealServer | undefined)[] = new Array<RealServer | undefined>(size).fill(undefined);
  const weights = dests.map((d) => d.weight).filter((w) => w > 0);
  if (weights.length === 0) return table;
  const g = weights.reduce(gcd);
  const st = dests.map((d) => {
    const v = (d.port + d.address) >>> 0;
    const offset = hsiphash32(v, MH_KEY1) % size;
    const skip = (hsiphash32(v, MH_KEY2) % (size - 1)) + 1;
    return { d, perm: offset, skip, turns: d.weight > 0 ? Math.max(1, Math.floor(d.weight / g)) : 0 };
  });
  const taken = new Uint8Array(size);
  let n = 0;
  while (n < size) {
    for (const s of st) {
      if (s.turns < 1) continue;
      for (let t = 0; t < s.turns; t++) {
        let c = s.perm;
        while (taken[c] === 1) {
          s.perm += s.skip;
          if (s.perm >= size) s.perm -= size;
          c = s.perm;
        }
        taken[c] = 1;
        table[c] = s.d;
        if (++n === size) return table;
      }
    }
  }
  return table;
}
