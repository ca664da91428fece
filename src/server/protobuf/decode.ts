import type { FieldSpec, MessageSpec, Schema, ScalarType, SpecialType, ValueType } from './schema.js';
import { decodeUtf8, ProtobufMalformedError, ProtobufUnsupportedError, WIRE_TYPE_NAMES, WireReader, type WireType } from './wire.js';

/**
 * Turns one protobuf message into the JSON object encoding/json would have produced for the same
 * Go value, so the rest of the API server sees exactly what a JSON client would have sent.
 * A field number the schema does not know is refused (ProtobufUnsupportedError), never dropped:
 * dropping it would silently lose part of what the user asked for.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The Go zero time.Time as Unix seconds: a Time that holds it means "unset" (JSON null). */
const GO_ZERO_TIME_SECONDS = -62135596800n;
/** RFC 3339 can only carry years 0001..9999. */
const MAX_TIME_SECONDS = 253402300799n;

function expectWire(got: WireType, want: WireType, where: string): void {
  if (got !== want) throw new ProtobufMalformedError(`wire type ${WIRE_TYPE_NAMES[got]}, expected ${WIRE_TYPE_NAMES[want]}`, where);
}

function scalarWire(t: ScalarType): WireType {
  switch (t) {
    case 'string':
    case 'bytes':
      return 2;
    case 'double':
      return 1;
    case 'int32':
    case 'int64':
    case 'bool':
      return 0;
  }
}

function readScalar(r: WireReader, t: ScalarType, where: string): Json {
  switch (t) {
    case 'string':
      return decodeUtf8(r.bytes(), where);
    case 'bytes':
      // encoding/json writes []byte as standard base64.
      return Buffer.from(r.bytes()).toString('base64');
    case 'int32':
      return Number(BigInt.asIntN(32, r.varint()));
    case 'int64': {
      const v = BigInt.asIntN(64, r.varint());
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new ProtobufUnsupportedError(`int64 value ${v} does not fit a JSON number exactly`, where);
      return Number(v);
    }
    case 'bool':
      return r.varint() !== 0n;
    case 'double':
      return r.double();
  }
}

function isZero(v: Json): boolean {
  return v === '' || v === 0 || v === false;
}

/** Reads a small fixed-shape message (Time, IntOrString, ...) as field number → raw values. */
function readFields(r: WireReader, where: string, kinds: Readonly<Record<number, 'varint' | 'bytes'>>): Map<number, bigint | Uint8Array> {
  const out = new Map<number, bigint | Uint8Array>();
  while (!r.done()) {
    const h = r.header();
    const kind = kinds[h.num];
    if (kind === undefined) throw new ProtobufUnsupportedError(`unknown field number ${h.num}`, where);
    expectWire(h.wire, kind === 'varint' ? 0 : 2, `${where} field ${h.num}`);
    out.set(h.num, kind === 'varint' ? r.varint() : r.bytes());
  }
  return out;
}

function asBig(v: bigint | Uint8Array | undefined): bigint {
  return typeof v === 'bigint' ? v : 0n;
}

function asText(v: bigint | Uint8Array | undefined, where: string): string {
  return v instanceof Uint8Array ? decodeUtf8(v, where) : '';
}

function rfc3339(seconds: bigint, nanos: bigint, micro: boolean, where: string): Json {
  if ((seconds === 0n && nanos === 0n) || seconds === GO_ZERO_TIME_SECONDS) return null;
  if (seconds < GO_ZERO_TIME_SECONDS || seconds > MAX_TIME_SECONDS) throw new ProtobufMalformedError(`time ${seconds}s is outside years 0001..9999`, where);
  if (nanos < 0n || nanos > 999_999_999n) throw new ProtobufMalformedError(`time nanos ${nanos} is outside 0..999999999`, where);
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19); // "YYYY-MM-DDTHH:MM:SS"
  // metav1.Time is RFC 3339 to the second (its protobuf form drops nanos too); MicroTime keeps six digits.
  return micro ? `${iso}.${String(nanos / 1000n).padStart(6, '0')}Z` : `${iso}Z`;
}

function readSpecial(r: WireReader, t: SpecialType, where: string): Json {
  switch (t) {
    case 'Time':
    case 'MicroTime': {
      // google.protobuf.Timestamp's shape: seconds = 1 (int64), nanos = 2 (int32); empty = zero time.
      const f = readFields(r, where, { 1: 'varint', 2: 'varint' });
      return rfc3339(BigInt.asIntN(64, asBig(f.get(1))), BigInt.asIntN(32, asBig(f.get(2))), t === 'MicroTime', where);
    }
    case 'IntOrString': {
      // intstr.IntOrString: type = 1 (0 Int, 1 String), intVal = 2, strVal = 3; JSON is a bare number or string.
      const f = readFields(r, where, { 1: 'varint', 2: 'varint', 3: 'bytes' });
      const type = asBig(f.get(1));
      if (type === 0n) return Number(BigInt.asIntN(32, asBig(f.get(2))));
      if (type === 1n) return asText(f.get(3), where);
      throw new ProtobufMalformedError(`IntOrString type ${type} is neither 0 (Int) nor 1 (String)`, where);
    }
    case 'Quantity': {
      // resource.Quantity travels as its canonical string (field 1); the zero Quantity is "0".
      const s = asText(readFields(r, where, { 1: 'bytes' }).get(1), where);
      return s === '' ? '0' : s;
    }
    case 'FieldsV1': {
      // FieldsV1.Raw (field 1) holds the JSON text of the field set itself.
      const raw = readFields(r, where, { 1: 'bytes' }).get(1);
      if (!(raw instanceof Uint8Array) || raw.length === 0) return null;
      try {
        return JSON.parse(decodeUtf8(raw, where)) as Json;
      } catch (e) {
        throw new ProtobufMalformedError(`FieldsV1 is not JSON: ${(e as Error).message}`, where);
      }
    }
  }
}

export class MessageDecoder {
  constructor(private readonly schema: Schema) {}

  /** Decodes a whole message of the named type; `where` is the JSON path shown in errors ("spec.template"). */
  decode(bytes: Uint8Array, message: string, where: string): JsonObject {
    const out: JsonObject = {};
    this.into(new WireReader(bytes), this.schema.message(message), where, out);
    return out;
  }

  private into(r: WireReader, msg: MessageSpec, where: string, out: JsonObject): void {
    const seenScalars: FieldSpec[] = [];
    while (!r.done()) {
      const h = r.header();
      const f = msg.fields.get(h.num);
      if (f === undefined) {
        throw new ProtobufUnsupportedError(`field number ${h.num} of ${msg.name} (wire type ${WIRE_TYPE_NAMES[h.wire]}) is not known to kubewire's protobuf decoder`, where);
      }
      const path = f.json === '' ? where : where === '' ? f.json : `${where}.${f.json}`;
      if (f.shape === 'map') {
        expectWire(h.wire, 2, path);
        const entry = this.mapEntry(r.sub(), f.value, path);
        const m = out[f.json];
        const obj: JsonObject = m !== undefined && m !== null && typeof m === 'object' && !Array.isArray(m) ? m : {};
        // An own property even for a key like "__proto__", as JSON.parse makes it (no prototype change).
        Object.defineProperty(obj, entry.key, { value: entry.value, enumerable: true, writable: true, configurable: true });
        out[f.json] = obj;
        continue;
      }
      if (f.shape === 'repeated') {
        const list = Array.isArray(out[f.json]) ? (out[f.json] as Json[]) : [];
        if (f.value.kind === 'scalar' && h.wire === 2 && scalarWire(f.value.type) !== 2) {
          // A packed repeated scalar: one length-delimited run of values.
          const sub = r.sub();
          while (!sub.done()) list.push(readScalar(sub, f.value.type, `${path}[${list.length}]`));
        } else {
          list.push(this.value(r, h.wire, f.value, `${path}[${list.length}]`));
        }
        out[f.json] = list;
        continue;
      }
      if (f.json === '') {
        // An inline struct (json:",inline"): its own message on the wire, its fields in the parent's JSON.
        expectWire(h.wire, 2, path);
        this.into(r.sub(), this.schema.message(f.value.type), where, out);
        continue;
      }
      const prev = out[f.json];
      if (f.value.kind === 'message' && prev !== undefined && prev !== null && typeof prev === 'object' && !Array.isArray(prev)) {
        // A message field seen twice merges, as protobuf parsers do.
        expectWire(h.wire, 2, path);
        this.into(r.sub(), this.schema.message(f.value.type), path, prev);
        continue;
      }
      out[f.json] = this.value(r, h.wire, f.value, path);
      if (f.value.kind === 'scalar' && !f.keepZero) seenScalars.push(f);
    }
    // gogo-protobuf writes non-pointer scalars even when zero; encoding/json's omitempty drops them.
    for (const f of seenScalars) {
      const v = out[f.json];
      if (v !== undefined && isZero(v)) delete out[f.json];
    }
  }

  private value(r: WireReader, wire: WireType, t: ValueType, where: string): Json {
    switch (t.kind) {
      case 'scalar':
        expectWire(wire, scalarWire(t.type), where);
        return readScalar(r, t.type, where);
      case 'special':
        expectWire(wire, 2, where);
        return readSpecial(r.sub(), t.type, where);
      case 'message': {
        expectWire(wire, 2, where);
        const obj: JsonObject = {};
        this.into(r.sub(), this.schema.message(t.type), where, obj);
        return obj;
      }
    }
  }

  /** A map entry: key = 1 (always a string in Kubernetes), value = 2; a missing part is its zero value. */
  private mapEntry(r: WireReader, t: ValueType, where: string): { key: string; value: Json } {
    let key = '';
    let value: Json | undefined;
    while (!r.done()) {
      const h = r.header();
      if (h.num === 1) {
        expectWire(h.wire, 2, `${where} (map key)`);
        key = decodeUtf8(r.bytes(), `${where} (map key)`);
      } else if (h.num === 2) {
        value = this.value(r, h.wire, t, `${where}[${JSON.stringify(key)}]`);
      } else {
        throw new ProtobufMalformedError(`map entry has field number ${h.num} (only 1 = key and 2 = value exist)`, where);
      }
    }
    return { key, value: value ?? zeroOf(t) };
  }
}

function zeroOf(t: ValueType): Json {
  if (t.kind === 'message') return {};
  if (t.kind === 'special') return t.type === 'Quantity' ? '0' : t.type === 'IntOrString' ? 0 : null;
  switch (t.type) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    case 'int32':
    case 'int64':
    case 'double':
      return 0;
  }
}
