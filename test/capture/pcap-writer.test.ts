import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapFileWriter, globalHeader, linkTypeNumber, readPcap, recordBytes } from '../../src/capture/index.js';
import { tempDir } from '../helpers/temp-dir.js';

test('the global header is the 24-byte libpcap header: magic a1b2c3d4 little-endian, version 2.4, zone 0, snaplen, link type', (t) => {
  const h = globalHeader(1, 65535);
  // Hand-written from pcap-savefile(5): d4 c3 b2 a1 | 02 00 | 04 00 | 00000000 | 00000000 | ff ff 00 00 | 01 00 00 00
  t.is(h.toString('hex'), 'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '01000000');
});

test('a record is ts_sec, ts_usec, incl_len, orig_len (little-endian) followed by the saved bytes', (t) => {
  const r = recordBytes(0x5f5e1000, 123456, Buffer.from('abc'), 60);
  t.is(r.toString('hex'), '00105e5f' + '40e20100' + '03000000' + '3c000000' + '616263');
  t.throws(() => recordBytes(1, 2, Buffer.from('abcd'), 3), { message: /orig_len 3 is shorter than the 4 captured bytes/ });
});

test('node-pcap link type names map to their LINKTYPE numbers; an unknown one is refused', (t) => {
  t.is(linkTypeNumber('LINKTYPE_ETHERNET'), 1);
  t.is(linkTypeNumber('LINKTYPE_RAW'), 101);
  t.is(linkTypeNumber('LINKTYPE_LINUX_SLL'), 113);
  t.throws(() => linkTypeNumber('LINKTYPE_CAN'), { message: /unknown link type LINKTYPE_CAN/ });
});

test('a written file reads back record by record with timestamps, lengths and bytes', (t) => {
  const file = join(tempDir(t, 'kw-pcap-'), 'x.pcap');
  const w = new PcapFileWriter(file, 1, 128);
  w.write(10, 1, Buffer.from([1, 2, 3]));
  w.write(11, 999999, Buffer.alloc(128, 7), 1500);
  w.close();
  t.is(w.packets, 2);
  const buf = readFileSync(file);
  t.is(buf.length, 24 + 16 + 3 + 16 + 128);
  const p = readPcap(buf);
  t.deepEqual([p.versionMajor, p.versionMinor, p.snaplen, p.linkType], [2, 4, 128, 1]);
  t.deepEqual(p.records.map((r) => [r.tsSec, r.tsUsec, r.data.length, r.origLen]), [[10, 1, 3, 3], [11, 999999, 128, 1500]]);
  t.deepEqual([...(p.records[0]?.data ?? [])], [1, 2, 3]);
});

test('readPcap accepts big-endian files and rejects a wrong magic or a truncated record', (t) => {
  const be = Buffer.from('a1b2c3d4' + '0002' + '0004' + '00000000' + '00000000' + '0000ffff' + '00000065' + '00000001' + '00000002' + '00000001' + '00000004' + 'aa', 'hex');
  const p = readPcap(be);
  t.deepEqual([p.snaplen, p.linkType, p.records[0]?.tsSec, p.records[0]?.origLen], [65535, 101, 1, 4]);
  t.throws(() => readPcap(Buffer.alloc(24)), { code: 'KW_CAPTURE_PCAP_FORMAT', message: /magic 0x0 is not/ });
  const cut = Buffer.concat([globalHeader(1), recordBytes(1, 0, Buffer.alloc(10))]).subarray(0, 24 + 16 + 5);
  t.throws(() => readPcap(cut, 'cut.pcap'), { message: /^cut\.pcap: record at byte 24: 10 bytes announced, 5 present/ });
});
