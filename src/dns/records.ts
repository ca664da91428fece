import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

export type RecordType = 'A' | 'AAAA' | 'SRV' | 'CNAME';

/** One resource record as dig prints it: `name ttl IN type data`. */
export interface DnsRecord {
  readonly name: string;
  readonly ttl: number;
  readonly type: RecordType;
  /** A: the address; CNAME: the target; SRV: "priority weight port target". */
  readonly data: string;
}

export interface DnsAnswer {
  /** The fully qualified name that was looked up (after the search path, if one applied). */
  readonly name: string;
  readonly type: RecordType;
  readonly rcode: 'NOERROR' | 'NXDOMAIN';
  readonly answers: readonly DnsRecord[];
  /** SRV targets' A records, as CoreDNS adds them to the additional section. */
  readonly additional: readonly DnsRecord[];
}

/** What DNS reads: the cluster's Services, their EndpointSlices and whether a pod IP exists. */
export interface DnsSource {
  service(namespace: string, name: string): Service | undefined;
  slices(namespace: string, service: string): readonly EndpointSlice[];
}

export interface DnsOptions {
  readonly clusterDomain?: string;
  /** The TTL the kubernetes plugin answers with (kubeadm's Corefile sets `ttl 30`). */
  readonly ttl?: number;
}

export function formatRecord(r: DnsRecord): string {
  return `${r.name}\t${r.ttl}\tIN\t${r.type}\t${r.data}`;
}
