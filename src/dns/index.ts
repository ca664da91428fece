export { type RecordType, type DnsRecord, type DnsAnswer, type DnsSource, type DnsOptions, formatRecord } from './records.js';
export { resolve, resolveFqdn } from './resolve.js';
