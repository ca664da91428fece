import { base32Sha256Prefix8 } from '../../hash.js';
import type { ServicePortInfo } from '../../service-port.js';
import type { EndpointInfo } from '../../endpoint.js';

/**
 * Chain and set names of kube-proxy's nftables mode (pkg/proxy/nftables/proxier.go hashAndTruncate):
 * `<base32(sha256(name))[:8]>-<name>`, truncated to 240 characters with "...". The service part is
 * `ns/svc/proto/port`, the endpoint part adds `__ip/port` (IPv6 `:` → `.`).
 */
const MAX_BASE = 256 - 16;

export function hashAndTruncate(name: string): string {
  // Joined, not interpolated: the name becomes a set/chain name (a map key, hashed and so flattened)
  // and part of several rules; a flat string is one object and one copy.
  const n = [base32Sha256Prefix8(name), '-', name].join('');
  return n.length > MAX_BASE ? `${n.slice(0, MAX_BASE - 3)}...` : n;
}

export function servicePortChainBase(svc: ServicePortInfo): string {
  return hashAndTruncate(`${svc.spn.namespace}/${svc.spn.name}/${svc.proto}/${svc.spn.port}`);
}

export function endpointChainBase(svc: ServicePortInfo, ep: EndpointInfo): string {
  return hashAndTruncate(`${svc.spn.namespace}/${svc.spn.name}/${svc.proto}/${svc.spn.port}__${ep.ip.includes(':') ? ep.ip.replaceAll(':', '.') : ep.ip}/${ep.port}`);
}
