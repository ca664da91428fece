import test from 'ava';
import { ProtobufMalformedError, WireReader } from '../../../src/server/protobuf/index.js';

const r = (...bytes: number[]) => new WireReader(Uint8Array.from(bytes));

test('varints: one byte, two bytes (300 = ac 02), and -1 as gogo writes a negative int64 (ten bytes)', (t) => {
  t.is(r(0x01).varint(), 1n);
  t.is(r(0xac, 0x02).varint(), 300n);
  const minusOne = r(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).varint();
  t.is(BigInt.asIntN(64, minusOne), -1n);
  t.is(BigInt.asIntN(32, minusOne), -1n);
});

test('a truncated or overlong varint is malformed, with the byte offset', (t) => {
  t.throws(() => r(0x80, 0x80).varint(), { instanceOf: ProtobufMalformedError, message: 'truncated varint at byte 2' });
  t.throws(() => r(...Array<number>(11).fill(0x80)).varint(), { instanceOf: ProtobufMalformedError, message: 'varint longer than 10 bytes at byte 0' });
});

test('field headers: number and wire type; field 0 and group wire types are refused', (t) => {
  t.deepEqual(r(0x0a).header(), { num: 1, wire: 2 });
  t.deepEqual(r(0x88, 0x01).header(), { num: 17, wire: 0 });
  t.throws(() => r(0x02).header(), { message: 'invalid field number 0 at byte 0' });
  t.throws(() => r(0x0b).header(), { message: 'unsupported wire type 3 (field 1) at byte 0' });
});

test('a length that runs past its message is malformed; a nested reader stops at its own end', (t) => {
  t.throws(() => r(0x05, 0x61, 0x62).bytes(), { instanceOf: ProtobufMalformedError, message: 'length 5 at byte 0 runs past the end of its message (2 bytes left)' });
  const outer = r(0x02, 0x08, 0x07, 0x08, 0x09);
  const inner = outer.sub();
  t.deepEqual(inner.header(), { num: 1, wire: 0 });
  t.is(inner.varint(), 7n);
  t.true(inner.done());
  t.deepEqual(outer.header(), { num: 1, wire: 0 });
  t.is(outer.varint(), 9n);
});

test('skip passes over every wire type', (t) => {
  const w = r(0x96, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0x02, 0x61, 0x62, 1, 2, 3, 4, 0x2a);
  w.skip(0);
  t.is(w.offset, 2);
  w.skip(1);
  t.is(w.offset, 10);
  w.skip(2);
  t.is(w.offset, 13);
  w.skip(5);
  t.is(w.offset, 17);
  t.is(w.varint(), 42n);
  t.throws(() => r(1, 2).skip(5), { message: 'truncated fixed32 at byte 0' });
});
