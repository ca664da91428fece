import { ip4ToString } from '../addr/index.js';
import { stringify } from 'yaml';
import type { TopologyDocument } from './schema.js';
import type { ManifestObject, TopologySpec } from './types.js';

/**
 * The file form of a spec: every podCIDR written out (allocated ones included), so loading the
 * result gives the same nodes. `manifests` are the paths to list, relative to where the file goes.
 */
export function topologyToDocument(spec: TopologySpec, manifests: readonly string[] = []): TopologyDocument {
  const c = spec.cluster;
  const gw = c.nodeNetwork.gateway;
  const conflist = c.cni.conflistPath;
  return {
    apiVersion: 'kubewire/v1',
    kind: 'Topology',
    metadata: { name: spec.name },
    cluster: {
      clusterCIDR: c.clusterCIDR.toString(),
      serviceCIDR: c.serviceCIDR.toString(),
      nodeCIDRMaskSize: c.nodeCIDRMaskSize,
      nodeNetwork: gw === undefined ? { cidr: c.nodeNetwork.cidr.toString() } : { cidr: c.nodeNetwork.cidr.toString(), gateway: ip4ToString(gw) },
      network: c.network,
      proxyMode: c.proxyMode,
      ...(conflist === undefined ? {} : { cni: { conflist } }),
      ...(c.loadBalancer === undefined ? {} : { loadBalancer: { pool: c.loadBalancer.pool.toString(), mode: c.loadBalancer.mode } }),
    },
    nodes: spec.nodes.map((n) => ({
      name: n.name,
      ip: ip4ToString(n.ip),
      podCIDR: n.podCIDR.toString(),
      ...(Object.keys(n.labels).length === 0 ? {} : { labels: n.labels }),
    })),
    ...(spec.external.length === 0 ? {} : { external: spec.external.map((h) => ({ name: h.name, ip: ip4ToString(h.ip) })) }),
    ...(manifests.length === 0 ? {} : { manifests }),
  };
}

/** YAML text of a topology document. */
export function topologyToYaml(doc: TopologyDocument): string {
  return stringify(doc, { lineWidth: 0 });
}

/** A multi-document manifest stream, one `---`-separated document per object, as kubectl prints them. */
export function manifestsToYaml(objects: readonly { readonly object: ManifestObject }[]): string {
  return objects.map((o) => stringify(o.object, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
