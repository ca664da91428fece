/**
 * One endpoint of one service port, as kube-proxy's BaseEndpointInfo (pkg/proxy/endpoint.go).
 * Locality is *not* stored: it is `nodeName === this node` and is evaluated per node, so one
 * endpoint object can be shared by every node's proxier.
 */
export interface EndpointInfo {
  readonly ip: string;
  readonly port: number;
  /** `ip:port` (net.JoinHostPort). */
  readonly str: string;
  readonly nodeName: string;
  /** nil Ready counts as ready (endpointslicecache.go). */
  readonly ready: boolean;
  /** nil Serving counts as serving. */
  readonly serving: boolean;
  /** nil Terminating counts as not terminating. */
  readonly terminating: boolean;
  readonly zoneHints: readonly string[];
  /**
   * `KUBE-SEP-<hash>`: the iptables mode's endpointInfo.ChainName, which kube-proxy computes once in
   * newEndpointInfo when the slice is ingested, not on every sync. Stored here, it is hashed once for
   * all nodes (sha256 is the bulk of a cold render's cost otherwise: 30,000 endpoints, 30,000 digests).
   */
  readonly sepChain: string;
}

export function isLocalTo(ep: EndpointInfo, nodeName: string): boolean {
  return ep.nodeName !== '' && ep.nodeName === nodeName;
}

/** Fingerprint of an endpoint list, locality excluded (nodeName included: it decides locality per node). */
export function endpointsFingerprint(eps: readonly EndpointInfo[]): string {
  // Joined, not `+=`: the fingerprint is kept, and a flat string is one object where a rope is many.
  return eps
    .map((e) => `${e.str}@${e.nodeName}:${e.ready ? 'R' : ''}${e.serving ? 'S' : ''}${e.terminating ? 'T' : ''}:${e.zoneHints.join('+')};`)
    .join('');
}
