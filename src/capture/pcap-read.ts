import { KubewireError } from '../lib/index.js';
import { GLOBAL_HEADER_LEN, PCAP_MAGIC_USEC, RECORD_HEADER_LEN } from './agent/pcap-writer.mjs';

export interface PcapRecord {
  readonly tsSec: number;
  readonly tsUsec: number;
  /** Bytes on the wire; `data.length` is what was saved (incl_len). */
  readonly origLen: number;
  readonly data: Buffer;
}

export interface PcapFile {
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly snaplen: number;
  readonly linkType: number;
  readonly records: readonly PcapRecord[];
}

/**
 * Reads a classic libpcap savefile with microsecond timestamps in either byte order (the magic tells which, as in
 * pcap-savefile(5)). Enough to count and inspect what a capture wrote; tshark remains the reference decoder.
 */
export function readPcap(buf: Buffer, where = 'pcap'): PcapFile {
  const bad = (why: string): KubewireError => new KubewireError('KW_CAPTURE_PCAP_FORMAT', `${why}`, { where });
  if (buf.length < GLOBAL_HEADER_LEN) throw bad(`${buf.length} bytes is shorter than the ${GLOBAL_HEADER_LEN}-byte global header`);
  let le: boolean;
  if (buf.readUInt32LE(0) === PCAP_MAGIC_USEC) le = true;
  else if (buf.readUInt32BE(0) === PCAP_MAGIC_USEC) le = false;
  else throw bad(`magic 0x${buf.readUInt32BE(0).toString(16)} is not a microsecond pcap magic (a1b2c3d4)`);
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const records: PcapRecord[] = [];
  let off = GLOBAL_HEADER_LEN;
  while (off < buf.length) {
    if (off + RECORD_HEADER_LEN > buf.length) throw bad(`record at byte ${off}: truncated header`);
    const incl = u32(off + 8);
    const end = off + RECORD_HEADER_LEN + incl;
    if (end > buf.length) throw bad(`record at byte ${off}: ${incl} bytes announced, ${buf.length - off - RECORD_HEADER_LEN} present`);
    records.push({ tsSec: u32(off), tsUsec: u32(off + 4), origLen: u32(off + 12), data: buf.subarray(off + RECORD_HEADER_LEN, end) });
    off = end;
  }
  return { versionMajor: u16(4), versionMinor: u16(6), snaplen: u32(16), linkType: u32(20), records };
}
