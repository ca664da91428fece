// Packet capture on real interfaces (node-pcap, run inside a namespace by a small agent) into classic pcap files.
export { startCapture, pcapAvailable, CAPTURE_AGENT, PCAP_NOT_INSTALLED, type CaptureSpec, type CaptureHandle } from './start.js';
export { readPcap, type PcapFile, type PcapRecord } from './pcap-read.js';
export { PcapFileWriter, globalHeader, recordBytes, linkTypeNumber, LINKTYPES, PCAP_MAGIC_USEC, GLOBAL_HEADER_LEN, RECORD_HEADER_LEN } from './agent/pcap-writer.mjs';
