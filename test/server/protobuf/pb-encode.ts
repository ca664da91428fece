/**
 * A test-only protobuf writer, just enough to build request bodies by hand: a message is a list of
 * [field number, value] pairs. Numbers, bigints and booleans are varints (negative ones as ten-byte
 * two's complement, as gogo-protobuf writes int32/int64); strings, bytes and nested messages are
 * length-delimited.
 */
export type PbValue = number | bigint | boolean | string | Uint8Array | PbField[];
export type PbField = readonly [number, PbValue];

function varint(v: bigint): number[] {
  let u = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    const b = Number(u & 0x7fn);
    u >>= 7n;
    out.push(u === 0n ? b : b | 0x80);
  } while (u !== 0n);
  return out;
}

export function key(num: number, wire: number): number[] {
  return varint(BigInt(num * 8 + wire));
}

export function lengthDelimited(num: number, bytes: Uint8Array): number[] {
  return [...key(num, 2), ...varint(BigInt(bytes.length)), ...bytes];
}

export function pb(fields: readonly PbField[]): Uint8Array {
  const out: number[] = [];
  for (const [num, v] of fields) {
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') out.push(...key(num, 0), ...varint(BigInt(v)));
    else if (typeof v === 'string') out.push(...lengthDelimited(num, new TextEncoder().encode(v)));
    else if (v instanceof Uint8Array) out.push(...lengthDelimited(num, v));
    else out.push(...lengthDelimited(num, pb(v)));
  }
  return Uint8Array.from(out);
}

/** A map entry field: key = 1, value = 2. */
export function entry(num: number, k: string, v: PbValue): PbField {
  return [num, [[1, k], [2, v]]];
}

/** "k8s\0" + runtime.Unknown{typeMeta{apiVersion, kind}, raw}. */
export function envelope(apiVersion: string, kind: string, raw: readonly PbField[] | Uint8Array): Buffer {
  const rawBytes = raw instanceof Uint8Array ? raw : pb(raw);
  return Buffer.concat([Buffer.from('k8s\u0000', 'latin1'), pb([[1, [[1, apiVersion], [2, kind]]], [2, rawBytes]])]);
}
