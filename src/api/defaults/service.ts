import { asArray, ensureObject, isJsonObject, setDefault, type JsonObject } from '../object.js';

/**
 * Service defaults (SetDefaults_Service): type ClusterIP, sessionAffinity None, protocol TCP,
 * targetPort = port, internalTrafficPolicy Cluster, externalTrafficPolicy Cluster for NodePort and
 * LoadBalancer, ipFamilies IPv4 single stack (kubewire's network model is IPv4).
 */
export function defaultService(svc: JsonObject): void {
  const spec = ensureObject(svc, ['spec']);
  setDefault(spec, 'type', 'ClusterIP');
  const type = spec['type'];
  setDefault(spec, 'sessionAffinity', 'None');
  for (const p of asArray(spec['ports'])) {
    if (!isJsonObject(p)) continue;
    setDefault(p, 'protocol', 'TCP');
    setDefault(p, 'targetPort', p['port']);
  }
  if (type === 'ExternalName') return;
  setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'NodePort' || type === 'LoadBalancer') setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (spec['clusterIP'] === 'None') setDefault(spec, 'clusterIPs', ['None']);
  else if (typeof spec['clusterIP'] === 'string' && spec['clusterIP'] !== '') setDefault(spec, 'clusterIPs', [spec['clusterIP']]);
  setDefault(spec, 'ipFamilies', ['IPv4']);
  setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  setDefault(svc, 'status', { loadBalancer: {} });
}

/**
 * On update, values the server allocated (clusterIP, nodePorts) are kept when the new object leaves
 * them empty, as the Service REST storage's patchAllocatedValues does: `kubectl replace` would
 * otherwise trip over "field is immutable".
 */
export function keepAllocatedServiceValues(svc: JsonObject, old: JsonObject): void {
  const spec = isJsonObject(svc['spec']) ? svc['spec'] : undefined;
  const oldSpec = isJsonObject(old['spec']) ? old['spec'] : undefined;
  if (spec === undefined || oldSpec === undefined || spec['type'] === 'ExternalName') return;
  if ((spec['clusterIP'] === undefined || spec['clusterIP'] === '') && oldSpec['clusterIP'] !== undefined) {
    spec['clusterIP'] = oldSpec['clusterIP'];
    if (oldSpec['clusterIPs'] !== undefined) spec['clusterIPs'] = oldSpec['clusterIPs'];
  }
  if (spec['type'] === 'NodePort' || spec['type'] === 'LoadBalancer') {
    const oldPorts = asArray(oldSpec['ports']).filter(isJsonObject);
    for (const p of asArray(spec['ports'])) {
      if (!isJsonObject(p) || (p['nodePort'] !== undefined && p['nodePort'] !== 0)) continue;
      const match = oldPorts.find((o) => o['port'] === p['port'] && (o['protocol'] ?? 'TCP') === (p['protocol'] ?? 'TCP'));
      if (match?.['nodePort'] !== undefined) p['nodePort'] = match['nodePort'];
    }
  }
}
