// Types for pcap-writer.mjs (plain JavaScript so the capture agent runs without the TypeScript loader).
export declare const PCAP_MAGIC_USEC: number;
export declare const PCAP_VERSION_MAJOR: number;
export declare const PCAP_VERSION_MINOR: number;
export declare const GLOBAL_HEADER_LEN: number;
export declare const RECORD_HEADER_LEN: number;
export declare const LINKTYPES: Readonly<Record<'LINKTYPE_NULL' | 'LINKTYPE_ETHERNET' | 'LINKTYPE_RAW' | 'LINKTYPE_LINUX_SLL' | 'LINKTYPE_IEEE802_11_RADIO', number>>;
export declare function linkTypeNumber(name: string): number;
export declare function globalHeader(linkType: number, snaplen?: number): Buffer;
export declare function recordBytes(tsSec: number, tsUsec: number, data: Buffer, origLen?: number): Buffer;
export declare class PcapFileWriter {
  constructor(file: string, linkType: number, snaplen?: number);
  readonly packets: number;
  write(tsSec: number, tsUsec: number, data: Buffer, origLen?: number): void;
  close(): void;
}
