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

/** Whether two endpoint lists are equal in everything a rendering reads (nodeName decides locality per node). */
export function sameEndpoints(a: readonly EndpointInfo[], b: readonly EndpointInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as EndpointInfo;
    const y = b[i] as EndpointInfo;
    if (x === y) continue;
    if (x.str !== y.str || x.nodeName !== y.nodeName || x.ready !== y.ready || x.serving !== y.serving || x.terminating !== y.terminating) return false;
    if (x.zoneHints.length !== y.zoneHints.length || x.zoneHints.some((z, j) => z !== y.zoneHints[j])) return false;
  }
  return true;
}
