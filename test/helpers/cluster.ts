import { fileURLToPath } from 'node:url';
import { buildCluster, type Cluster } from '../../src/cluster/index.js';
import { loadTopology, parseTopology } from '../../src/topology/index.js';

export const TOPOLOGIES = fileURLToPath(new URL('../../topologies/', import.meta.url));

/** Builds a shipped topology by file name (`three-node.yaml`). */
export async function shippedCluster(file: string): Promise<Cluster> {
  return buildCluster(await loadTopology(`${TOPOLOGIES}${file}`));
}

/** Builds a cluster from inline YAML; `files` are the manifests it names, by relative path. */
export async function inlineCluster(yaml: string, files: Record<string, string> = {}): Promise<Cluster> {
  const read = async (p: string): Promise<string> => {
    const name = Object.keys(files).find((f) => p.endsWith(f));
    if (name === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return files[name] ?? '';
  };
  return buildCluster(await parseTopology(yaml, '/virtual/topology.yaml', read));
}

/** A two-node host-gw topology with one pod pinned per node, optionally without a gateway. */
export function twoNodeYaml(opts: { network?: 'host-gw' | 'vxlan'; gateway?: boolean } = {}): string {
  return `apiVersion: kubewire/v1
kind: Topology
metadata: {name: two-node}
cluster:
  clusterCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
  nodeNetwork: {cidr: 192.168.50.0/24${opts.gateway === false ? '' : ', gateway: 192.168.50.1'}}
  network: ${opts.network ?? 'host-gw'}
  proxyMode: iptables
nodes:
  - {name: n1, ip: 192.168.50.11, podCIDR: 10.244.1.0/24}
  - {name: n2, ip: 192.168.50.12, podCIDR: 10.244.2.0/24}
external:
  - {name: ext, ip: 192.168.50.200}
manifests: [./pods.yaml]
`;
}

export const TWO_NODE_PODS = `apiVersion: v1
kind: Pod
metadata: {name: a1, namespace: default, labels: {app: a}}
spec: {nodeName: n1, containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: a2, namespace: default, labels: {app: a}}
spec: {nodeName: n1, containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b1, namespace: default, labels: {app: b}}
spec: {nodeName: n2, containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
`;
