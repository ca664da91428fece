import { KubewireError } from '../../lib/index.js';

/**
 * The protobuf wire format, reading side only: varints, length-delimited fields and skipping.
 * Kubernetes' generated code (gogo-protobuf, proto2) writes int32/int64 as plain varints (no
 * zigzag), negative values sign-extended to ten bytes, so every varint is read as a 64-bit BigInt.
 */
export type WireType = 0 | 1 | 2 | 5;

/** Names as protobuf's encoding guide calls them, for error messages. */
export const WIRE_TYPE_NAMES: Readonly<Record<WireType, string>> = { 0: 'varint', 1: 'fixed64', 2: 'length-delimited', 5: 'fixed32' };

/** A body that is not well-formed protobuf (truncated, bad tag, overlong varint): HTTP 400. */
export class ProtobufMalformedError extends KubewireError {
  override readonly name = 'ProtobufMalformedError';
  constructor(message: string, where?: string) {
    super('KW_SERVER_PROTOBUF_MALFORMED', message, where === undefined || where === '' ? {} : { where });
  }
}

/** A well-formed body with content kubewire cannot decode without losing it: HTTP 415. */
export class ProtobufUnsupportedError extends KubewireError {
  override readonly name = 'ProtobufUnsupportedError';
  constructor(message: string, where?: string) {
    super('KW_SERVER_PROTOBUF_UNSUPPORTED', message, where === undefined || where === '' ? {} : { where });
  }
}

export interface FieldHeader {
  readonly num: number;
  readonly wire: WireType;
}

/** A cursor over one message's bytes; `end` bounds it so a nested message cannot read past itself. */
export class WireReader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** A base-128 varint of at most ten bytes (the 64-bit maximum). */
  varint(): bigint {
    let v = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufMalformedError(`truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++] ?? 0;
      v |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return BigInt.asUintN(64, v);
    }
    throw new ProtobufMalformedError(`varint longer than 10 bytes at byte ${this.pos - 10}`);
  }

  /** A field key: field number (≥ 1) and wire type; groups (3, 4) and unknown types are malformed here. */
  header(): FieldHeader {
    const at = this.pos;
    const key = this.varint();
    const wire = Number(key & 7n);
    const num = key >> 3n;
    if (num < 1n || num > 0x1fffffffn) throw new ProtobufMalformedError(`invalid field number ${num} at byte ${at}`);
    if (wire !== 0 && wire !== 1 && wire !== 2 && wire !== 5) throw new ProtobufMalformedError(`unsupported wire type ${wire} (field ${num}) at byte ${at}`);
    return { num: Number(num), wire };
  }

  /** The payload of a length-delimited field, as [start, end) in the same buffer. */
  lengthDelimited(): { readonly start: number; readonly end: number } {
    const at = this.pos;
    const len = this.varint();
    if (len > BigInt(this.end - this.pos)) throw new ProtobufMalformedError(`length ${len} at byte ${at} runs past the end of its message (${this.end - this.pos} bytes left)`);
    const start = this.pos;
    this.pos += Number(len);
    return { start, end: this.pos };
  }

  bytes(): Uint8Array {
    const { start, end } = this.lengthDelimited();
    return this.buf.subarray(start, end);
  }

  /** A reader over a nested message's bytes. */
  sub(): WireReader {
    const { start, end } = this.lengthDelimited();
    return new WireReader(this.buf, start, end);
  }

  fixed64(): bigint {
    if (this.end - this.pos < 8) throw new ProtobufMalformedError(`truncated fixed64 at byte ${this.pos}`);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getBigUint64(0, true);
    this.pos += 8;
    return v;
  }

  double(): number {
    if (this.end - this.pos < 8) throw new ProtobufMalformedError(`truncated double at byte ${this.pos}`);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** Passes over a field's payload of the given wire type. */
  skip(wire: WireType): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.fixed64();
        return;
      case 2:
        this.lengthDelimited();
        return;
      case 5:
        if (this.end - this.pos < 4) throw new ProtobufMalformedError(`truncated fixed32 at byte ${this.pos}`);
        this.pos += 4;
        return;
    }
  }
}

/** Protobuf strings are UTF-8; invalid sequences are malformed input, not replacement characters. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(bytes: Uint8Array, where: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ProtobufMalformedError('string field is not valid UTF-8', where);
  }
}
