import { ip4ToString } from '../addr/index.js';
import { InputError } from '../lib/index.js';
import { buildTopology } from './build.js';
import type { LocatedObject } from './manifest-objects.js';
import type { TopologyDocument } from './schema.js';
import type { ManifestObject, NetworkBackend, ProxyMode, TopologySpec } from './types.js';

export interface GenerateOptions {
  readonly nodes: number;
  readonly podsPerNode: number;
  /** ClusterIP Services `svc-1`…; default: podsPerNode, so every node runs one pod of each. */
  readonly services?: number;
  readonly network?: NetworkBackend;
  readonly proxyMode?: ProxyMode;
  readonly name?: string;
}

/**
 * The address plan of generated topologies: three RFC 1918 blocks that cannot overlap.
 * clusterCIDR 10.0.0.0/8 cut into /24s gives 65,536 nodes (the 16-bit limit of kube-controller-manager's
 * cidrset) of up to 253 pods each (.1 is the cni0 gateway); the /12 node network and the /16
 * service range leave room for as many nodes and Services.
 */
export const GENERATED_PLAN = {
  clusterCIDR: '10.0.0.0/8',
  nodeCIDRMaskSize: 24,
  serviceCIDR: '192.168.0.0/16',
  nodeNetwork: '172.16.0.0/12',
  gateway: '172.16.0.1',
  firstNodeHost: 11,
  maxNodes: 65536,
  maxPodsPerNode: 253,
  maxServices: 65534,
} as const;

const POD_PORT = 8080;

/**
 * Builds a large topology in memory (no YAML, no files): nodes node-00001… on 172.16.0.0/12 with
 * podCIDRs 10.0.<n>.0/24 in node order, `podsPerNode` Pods per node pinned with spec.nodeName and
 * labelled app=svc-K round-robin, and ClusterIP Services svc-1… selecting them. Nodes go through the
 * same address checks and podCIDR allocator as a loaded file; the objects are valid by construction
 * (unique names, known nodes, no fixed clusterIPs), so the manifest checks are skipped to keep
 * 150,000 Pods fast (the tests run them). Bad options throw InputError.
 */
export function generateTopology(opts: GenerateOptions): TopologySpec {
  const services = opts.services ?? opts.podsPerNode;
  const name = opts.name ?? `generated-${opts.nodes}x${opts.podsPerNode}`;
  const file = `generated:${name}`;
  intOption('nodes', opts.nodes, 1, GENERATED_PLAN.maxNodes);
  intOption('podsPerNode', opts.podsPerNode, 0, GENERATED_PLAN.maxPodsPerNode);
  intOption('services', services, 0, GENERATED_PLAN.maxServices);

  const width = Math.max(5, String(opts.nodes).length);
  const nodeNames: string[] = [];
  for (let i = 1; i <= opts.nodes; i++) nodeNames.push(`node-${String(i).padStart(width, '0')}`);
  const base = 172 * 2 ** 24 + 16 * 2 ** 16 + GENERATED_PLAN.firstNodeHost;
  const doc: TopologyDocument = {
    apiVersion: 'kubewire/v1',
    kind: 'Topology',
    metadata: { name },
    cluster: {
      clusterCIDR: GENERATED_PLAN.clusterCIDR,
      serviceCIDR: GENERATED_PLAN.serviceCIDR,
      nodeCIDRMaskSize: GENERATED_PLAN.nodeCIDRMaskSize,
      nodeNetwork: { cidr: GENERATED_PLAN.nodeNetwork, gateway: GENERATED_PLAN.gateway },
      network: opts.network ?? 'host-gw',
      proxyMode: opts.proxyMode ?? 'iptables',
    },
    // podCIDRs are left to the allocator, which hands out 10.0.0.0/24, 10.0.1.0/24… in node order.
    nodes: nodeNames.map((n, i) => ({ name: n, ip: ip4ToString(base + i) })),
  };
  const built = buildTopology(doc, file, {});

  const objects: LocatedObject[] = [];
  const add = (object: ManifestObject): void => {
    objects.push({ object, source: { file, document: objects.length + 1 }, base: '' });
  };
  for (let k = 1; k <= services; k++) {
    add({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc-${k}`, namespace: 'default' },
      spec: { type: 'ClusterIP', selector: { app: `svc-${k}` }, ports: [{ name: 'http', port: 80, targetPort: POD_PORT, protocol: 'TCP' }] },
    });
  }
  // One frozen container list shared by every Pod: 150,000 copies would only cost memory.
  const containers = Object.freeze([
    Object.freeze({ name: 'app', image: 'registry.k8s.io/pause:3.9', ports: Object.freeze([Object.freeze({ containerPort: POD_PORT, protocol: 'TCP' })]) }),
  ]);
  let g = 0;
  for (const node of nodeNames) {
    for (let j = 0; j < opts.podsPerNode; j++, g++) {
      const labels = services === 0 ? {} : { app: `svc-${(g % services) + 1}` };
      add({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `pod-${node.slice(5)}-${j}`, namespace: 'default', labels },
        spec: { nodeName: node, containers },
      });
    }
  }

  return {
    file,
    name,
    cluster: built.cluster,
    nodes: built.nodes,
    external: built.external,
    objects: objects.map(({ object, source }) => ({ object, source })),
  };
}

function intOption(what: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new InputError('KW_TOPOLOGY_GENERATE', `${what} must be an integer from ${min} to ${max}, got ${v}`, { where: 'generateTopology' });
  }
}
