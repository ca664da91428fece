import { asArray, isJsonObject, type JsonObject } from '../object.js';
import type { CowObject } from './cow.js';

/**
 * Service defaults (SetDefaults_Service): type ClusterIP, sessionAffinity None, protocol TCP,
 * targetPort = port, internalTrafficPolicy Cluster, externalTrafficPolicy Cluster for NodePort and
 * LoadBalancer, ipFamilies IPv4 single stack (kubewire's network model is IPv4).
 */
export function defaultService(svc: CowObject): void {
  const spec = svc.child('spec');
  spec.setDefault('type', 'ClusterIP');
  const type = spec.get('type');
  spec.setDefault('sessionAffinity', 'None');
  for (const p of spec.items('ports')) {
    p.setDefault('protocol', 'TCP');
    p.setDefault('targetPort', p.get('port'));
  }
  if (type === 'ExternalName') return;
  spec.setDefault('internalTrafficPolicy', 'Cluster');
  if (type === 'NodePort' || type === 'LoadBalancer') spec.setDefault('externalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') spec.setDefault('allocateLoadBalancerNodePorts', true);
  const clusterIP = spec.get('clusterIP');
  if (clusterIP === 'None') spec.setDefault('clusterIPs', ['None']);
  else if (typeof clusterIP === 'string' && clusterIP !== '') spec.setDefault('clusterIPs', [clusterIP]);
  spec.setDefault('ipFamilies', ['IPv4']);
  spec.setDefault('ipFamilyPolicy', 'SingleStack');
  svc.setDefault('status', { loadBalancer: {} });
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
