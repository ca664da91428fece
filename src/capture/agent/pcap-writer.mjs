// The classic libpcap savefile format (pcap-savefile(5), "LINKTYPE_*" numbers from tcpdump.org/linktypes.html),
// written by hand from the raw buffers node-pcap hands out. Plain JavaScript so the capture agent, which runs as a
// bare `node agent.mjs` under `ip netns exec`, can use it without the TypeScript loader; types in pcap-writer.d.mts.
import { closeSync, openSync, writeSync } from 'node:fs';

/** Microsecond-resolution magic: readers use its byte order to learn the file's endianness; we always write little-endian. */
export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
export const GLOBAL_HEADER_LEN = 24;
export const RECORD_HEADER_LEN = 16;

/** node-pcap names the datalink type (pcap_datalink) with these strings; the numbers go into the global header. */
export const LINKTYPES = Object.freeze({
  LINKTYPE_NULL: 0,
  LINKTYPE_ETHERNET: 1,
  LINKTYPE_RAW: 101,
  LINKTYPE_LINUX_SLL: 113,
  LINKTYPE_IEEE802_11_RADIO: 127,
});

export function linkTypeNumber(name) {
  const n = LINKTYPES[name];
  if (n === undefined) throw new Error(`unknown link type ${String(name)}`);
  return n;
}

/** 24 bytes: magic, version 2.4, thiszone 0 (timestamps are UTC), sigfigs 0, snaplen, network (link type). */
export function globalHeader(linkType, snaplen = 65535) {
  const b = Buffer.alloc(GLOBAL_HEADER_LEN);
  b.writeUInt32LE(PCAP_MAGIC_USEC, 0);
  b.writeUInt16LE(PCAP_VERSION_MAJOR, 4);
  b.writeUInt16LE(PCAP_VERSION_MINOR, 6);
  b.writeInt32LE(0, 8);
  b.writeUInt32LE(0, 12);
  b.writeUInt32LE(snaplen, 16);
  b.writeUInt32LE(linkType, 20);
  return b;
}

/**
 * One record: ts_sec, ts_usec, incl_len (bytes saved, = data.length), orig_len (bytes on the wire, ≥ incl_len when
 * the snap length cut the packet), then the bytes.
 */
export function recordBytes(tsSec, tsUsec, data, origLen = data.length) {
  if (origLen < data.length) throw new Error(`orig_len ${origLen} is shorter than the ${data.length} captured bytes`);
  const h = Buffer.alloc(RECORD_HEADER_LEN);
  h.writeUInt32LE(tsSec >>> 0, 0);
  h.writeUInt32LE(tsUsec >>> 0, 4);
  h.writeUInt32LE(data.length, 8);
  h.writeUInt32LE(origLen, 12);
  return Buffer.concat([h, data]);
}

/** A savefile being written: every record goes straight to the file (writeSync), so a stop loses nothing buffered. */
export class PcapFileWriter {
  constructor(file, linkType, snaplen = 65535) {
    this.fd = openSync(file, 'w', 0o644);
    this.packets = 0;
    writeSync(this.fd, globalHeader(linkType, snaplen));
  }

  write(tsSec, tsUsec, data, origLen = data.length) {
    writeSync(this.fd, recordBytes(tsSec, tsUsec, data, origLen));
    this.packets += 1;
  }

  close() {
    if (this.fd === -1) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}
