import * as crypto from 'node:crypto';
import { base32Prefix } from '../../hash.js';
import type { ServicePortInfo } from '../../service-port.js';
import type { EndpointInfo } from '../../endpoint.js';

/**
 * Chain and set names of kube-proxy's nftables mode (pkg/proxy/nftables/proxier.go hashAndTruncate):
 * `<base32(sha256(name))[:8]>-<name>`, truncated to 240 characters with "...". The service part is
 * `ns/svc/proto/port`, the endpoint part adds `__ip/port` (IPv6 `:` → `.`).
 */
const MAX_BASE = 256 - 16;

// crypto.hash (Node >= 20.12) is a one-shot digest, cheaper than a Hash object per name.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'buffer') => Buffer }).hash;

export function hashAndTruncate(name: string): string {
  const digest = oneShot !== undefined ? oneShot('sha256', name, 'buffer') : crypto.createHash('sha256').update(name, 'utf8').digest();
  const h = base32Prefix(digest, 8);
  const n = `${h}-${name}`;
  return n.length > MAX_BASE ? `${n.slice(0, MAX_BASE - 3)}...` : n;
}

export function servicePortChainBase(svc: ServicePortInfo): string {
  return hashAndTruncate(`${svc.spn.namespace}/${svc.spn.name}/${svc.proto}/${svc.spn.port}`);
}

export function endpointChainBase(svc: ServicePortInfo, ep: EndpointInfo): string {
  return hashAndTruncate(`${svc.spn.namespace}/${svc.spn.name}/${svc.proto}/${svc.spn.port}__${ep.ip.replaceAll(':', '.')}/${ep.port}`);
}
