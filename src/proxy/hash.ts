import * as crypto from 'node:crypto';

/**
 * Chain-name hashes exactly as kube-proxy computes them (pkg/proxy/iptables/proxier.go):
 * base32.StdEncoding(sha256(input)) truncated to 16 characters. The truncation hides the padding,
 * so only the RFC 4648 alphabet A-Z2-7 ever appears. iptables chain names must be <= 28 characters,
 * hence "KUBE-SVC-" + 16.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Base32 (RFC 4648, upper case) of `bytes`, first `chars` characters only. */
export function base32Prefix(bytes: Uint8Array, chars: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length && out.length < chars; i++) {
    buffer = ((buffer << 8) | (bytes[i] ?? 0)) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31] ?? '';
    }
  }
  return out;
}

// crypto.hash (Node >= 20.12) is a one-shot digest without a Hash object: ~3x cheaper per chain name.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

const CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));
const code = (v: number): number => CODES[v & 31] ?? 0;

/** Value of 5 lowercase hex digits at `at` (20 bits = 4 base32 characters). */
function hex20(hex: string, at: number): number {
  let v = 0;
  for (let i = at; i < at + 5; i++) {
    const c = hex.charCodeAt(i);
    v = (v << 4) | (c <= 57 ? c - 48 : c - 87);
  }
  return v;
}

/** Character codes of one chain name per length (prefix 8 or 9 + 16), overwritten in place: no `length = 0` (a runtime call). */
const SCRATCH = new Map<number, number[]>();

function scratch(prefix: string, hashLength: number): number[] {
  const n = prefix.length + hashLength;
  let out = SCRATCH.get(n);
  if (out === undefined) {
    out = new Array<number>(n).fill(0);
    SCRATCH.set(n, out);
  }
  for (let i = 0; i < prefix.length; i++) out[i] = prefix.charCodeAt(i);
  return out;
}

/**
 * `prefix` then the 16 base32 characters of the first 20 hex digits (80 bits), as one flat string
 * made by one String.fromCharCode: no byte array, no per-character concatenation, and no rope of
 * prefix + hash (~40,000 chain names for 10,000 Services; every rule naming a chain copies it, and a
 * flat name is one memcpy where `KUBE-SEP-` + hash is a node to walk, every time, in every rule).
 */
function base32OfHex(prefix: string, hex: string): string {
  const out = scratch(prefix, 16);
  let j = prefix.length;
  for (let at = 0; at < 20; at += 5) {
    const v = hex20(hex, at);
    out[j++] = code(v >>> 15);
    out[j++] = code(v >>> 10);
    out[j++] = code(v >>> 5);
    out[j++] = code(v);
  }
  return String.fromCharCode.apply(null, out);
}

function hash16(prefix: string, input: string): string {
  if (oneShot !== undefined) return base32OfHex(prefix, oneShot('sha256', input, 'hex'));
  return prefix + base32Prefix(crypto.createHash('sha256').update(input, 'utf8').digest(), 16);
}

/** The first 8 base32 characters of sha256(input) (nftables mode's hashAndTruncate), one flat string. */
export function base32Sha256Prefix8(input: string): string {
  if (oneShot === undefined) return base32Prefix(crypto.createHash('sha256').update(input, 'utf8').digest(), 8);
  const hex = oneShot('sha256', input, 'hex');
  const a = hex20(hex, 0);
  const b = hex20(hex, 5);
  return String.fromCharCode(code(a >>> 15), code(a >>> 10), code(a >>> 5), code(a), code(b >>> 15), code(b >>> 10), code(b >>> 5), code(b));
}

/** portProtoHash(spn, proto): shared by KUBE-SVC-, KUBE-SVL-, KUBE-EXT- and KUBE-FW- chains. `protocol` is lowercase. */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return hash16('', servicePortName + protocol);
}

/** The KUBE-SEP- hash: sha256(spn + lowercase protocol + "ip:port"). */
export function endpointHash(servicePortName: string, protocol: string, endpoint: string): string {
  return hash16('', servicePortName + protocol + endpoint);
}

/** `KUBE-SEP-<endpointHash>` as one flat string. */
export function sepChainName(servicePortName: string, protocol: string, endpoint: string): string {
  return hash16('KUBE-SEP-', servicePortName + protocol + endpoint);
}

/** The four chains named by portProtoHash, each one flat string. */
export function serviceChainNames(servicePortName: string, protocol: string): { svc: string; svl: string; ext: string; fw: string } {
  const svc = hash16('KUBE-SVC-', servicePortName + protocol);
  const h = svc.slice(9);
  return { svc, svl: flatName('KUBE-SVL-', h), ext: flatName('KUBE-EXT-', h), fw: flatName('KUBE-FW-', h) };
}

function flatName(prefix: string, h: string): string {
  const out = scratch(prefix, h.length);
  for (let i = 0; i < h.length; i++) out[prefix.length + i] = h.charCodeAt(i);
  return String.fromCharCode.apply(null, out);
}

export const chainNames = {
  svc: (h: string): string => `KUBE-SVC-${h}`,
  svl: (h: string): string => `KUBE-SVL-${h}`,
  ext: (h: string): string => `KUBE-EXT-${h}`,
  fw: (h: string): string => `KUBE-FW-${h}`,
  sep: (h: string): string => `KUBE-SEP-${h}`,
} as const;

/** kube-proxy's isServiceChainName: the prefixes whose stale chains it deletes. */
export function isServiceChainName(chain: string): boolean {
  return (
    chain.startsWith('KUBE-SVC-') ||
    chain.startsWith('KUBE-SVL-') ||
    chain.startsWith('KUBE-SEP-') ||
    chain.startsWith('KUBE-FW-') ||
    chain.startsWith('KUBE-EXT-')
  );
}
