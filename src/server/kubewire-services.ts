/**
 * kubewire's own API, served under /kubewire/v1. The server only defines what it needs; the cluster
 * module implements these over the datapath and the kube-proxy models and injects them into buildApp.
 */
export interface TraceRequest {
  /** A pod ("namespace/name"), node name, or IP address the packet starts from. */
  readonly from: string;
  /** An IP address, "namespace/service", or pod the packet is sent to. */
  readonly to: string;
  readonly port?: number;
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
}

export interface TraceService {
  /** Traces a probe; the result is JSON (trace paths with hops). Throws InputError for a bad request (→ 400). */
  trace(req: TraceRequest): Promise<unknown>;
}

export interface RulesService {
  /**
   * The rules kube-proxy installed on a node, in a format such as "iptables-save", "nft", "ipvsadm" or
   * "json". A string result is sent as text/plain, anything else as JSON. Throws InputError for an unknown
   * node or format (→ 400); undefined for an unknown node (→ 404).
   */
  rules(node: string, format: string | undefined): Promise<unknown>;
}
