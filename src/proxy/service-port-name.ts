/**
 * ServicePortName as kube-proxy (pkg/proxy/types.go) names one port of one Service.
 * Its String() form is `namespace/name:port` (or `namespace/name` for an unnamed port); the protocol
 * is NOT part of that string, but it is part of the identity: a Service may expose 53/TCP and 53/UDP
 * under different port names, and the maps are keyed by name + protocol.
 */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServicePortName {
  readonly namespace: string;
  readonly name: string;
  readonly port: string;
  readonly protocol: Protocol;
}

/** `ns/name:port`, exactly kube-proxy's ServicePortName.String(). */
export function servicePortNameString(spn: Pick<ServicePortName, 'namespace' | 'name' | 'port'>): string {
  const nsn = `${spn.namespace}/${spn.name}`;
  return spn.port === '' ? nsn : `${nsn}:${spn.port}`;
}

/** Map key that includes the protocol (kube-proxy's Go map key is the whole struct). */
export function servicePortKey(spn: ServicePortName): string {
  return `${servicePortNameString(spn)}/${spn.protocol}`;
}

/** `namespace/name`: the unit kube-proxy's partial sync tracks (UpdatedServices is a set of NamespacedName). */
export function namespacedName(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function parseProtocol(p: string | undefined): Protocol | undefined {
  // The API defaults an omitted protocol to TCP.
  if (p === undefined || p === '') return 'TCP';
  if (p === 'TCP' || p === 'UDP' || p === 'SCTP') return p;
  return undefined;
}
