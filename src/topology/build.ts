import { Cidr4, type Ip4, ip4ToString, parseIp4 } from '../addr/index.js';
import { InputError, errorMessage } from '../lib/index.js';
import { allocatePodCidrs } from './allocate.js';
import { checkDns1123Subdomain, checkLabelKey, checkLabelValue } from './names.js';
import { TOPOLOGY_DEFAULTS, type TopologyDocument } from './schema.js';
import type { ClusterSpec, CniSpec, ExternalHostSpec, NodeSpec } from './types.js';

/** The address part of a topology: everything but the manifests. */
export interface BuiltTopology {
  readonly name: string;
  readonly cluster: ClusterSpec;
  readonly nodes: readonly NodeSpec[];
  readonly external: readonly ExternalHostSpec[];
}

/** Throws an InputError placed at `file: /json/path`. */
export function fail(code: string, file: string, path: string, message: string): never {
  throw new InputError(code, message, { where: `${file}: ${path}` });
}

function cidrAt(text: string, file: string, path: string): Cidr4 {
  try {
    return Cidr4.parse(text);
  } catch (e) {
    return fail('KW_TOPOLOGY_INVALID_CIDR', file, path, errorMessage(e));
  }
}

function ipAt(text: string, file: string, path: string): Ip4 {
  try {
    return parseIp4(text);
  } catch (e) {
    return fail('KW_TOPOLOGY_INVALID_IP', file, path, errorMessage(e));
  }
}

/**
 * Turns a schema-valid document into the address plan, checking what a schema cannot: CIDR host
 * bits, overlaps, membership of IPs in the node network, uniqueness, and podCIDR allocation.
 * Pure: throws the first problem found and builds nothing on failure.
 */
export function buildTopology(doc: TopologyDocument, file: string, cni: CniSpec): BuiltTopology {
  const c = doc.cluster;
  const clusterCIDR = cidrAt(c.clusterCIDR, file, '/cluster/clusterCIDR');
  const serviceCIDR = cidrAt(c.serviceCIDR, file, '/cluster/serviceCIDR');
  const nodeNet = cidrAt(c.nodeNetwork.cidr, file, '/cluster/nodeNetwork/cidr');
  const pool = c.loadBalancer === undefined ? undefined : cidrAt(c.loadBalancer.pool, file, '/cluster/loadBalancer/pool');
  const maskSize = c.nodeCIDRMaskSize ?? TOPOLOGY_DEFAULTS.nodeCIDRMaskSize;

  // kube-controller-manager's cidrset refuses a node mask larger than the cluster CIDR, or more than 16 bits longer.
  const maskPath = '/cluster/nodeCIDRMaskSize';
  if (maskSize < clusterCIDR.prefix) {
    fail('KW_TOPOLOGY_NODE_CIDR_MASK_SIZE', file, maskPath, `nodeCIDRMaskSize ${maskSize} is smaller than the prefix of clusterCIDR ${clusterCIDR.toString()}: a node's podCIDR must fit inside clusterCIDR`);
  }
  if (maskSize > 30) {
    fail('KW_TOPOLOGY_NODE_CIDR_MASK_SIZE', file, maskPath, `nodeCIDRMaskSize ${maskSize} leaves no usable pod addresses: host-local rejects subnets longer than /30`);
  }
  if (maskSize - clusterCIDR.prefix > 16) {
    fail('KW_TOPOLOGY_NODE_CIDR_MASK_SIZE', file, maskPath, `nodeCIDRMaskSize ${maskSize} is more than 16 bits longer than clusterCIDR ${clusterCIDR.toString()} (kube-controller-manager's limit)`);
  }

  const overlap = (a: Cidr4, aName: string, b: Cidr4, bName: string, path: string): void => {
    if (a.overlaps(b)) {
      fail('KW_TOPOLOGY_CIDR_OVERLAP', file, path, `${aName} ${a.toString()} overlaps ${bName} ${b.toString()}`);
    }
  };
  overlap(clusterCIDR, 'clusterCIDR', serviceCIDR, 'serviceCIDR', '/cluster/clusterCIDR');
  overlap(clusterCIDR, 'clusterCIDR', nodeNet, 'the node network', '/cluster/clusterCIDR');
  overlap(serviceCIDR, 'serviceCIDR', nodeNet, 'the node network', '/cluster/serviceCIDR');
  if (pool !== undefined) {
    // MetalLB pools may lie anywhere, but addresses inside pod or service ranges would be captured by routes and kube-proxy.
    overlap(pool, 'the loadBalancer pool', clusterCIDR, 'clusterCIDR', '/cluster/loadBalancer/pool');
    overlap(pool, 'the loadBalancer pool', serviceCIDR, 'serviceCIDR', '/cluster/loadBalancer/pool');
  }

  // Every host address on the node network: gateway, nodes, external hosts. One owner each.
  const owners = new Map<Ip4, string>();
  const names = new Map<string, string>();
  const claimIp = (ip: Ip4, what: string, path: string): void => {
    if (nodeNet.prefix <= 30 && (ip === nodeNet.network || ip === nodeNet.broadcast)) {
      const which = ip === nodeNet.network ? 'network' : 'broadcast';
      fail('KW_TOPOLOGY_RESERVED_IP', file, path, `${what} is the ${which} address of the node network ${nodeNet.toString()}`);
    }
    if (pool?.contains(ip) === true) {
      fail('KW_TOPOLOGY_LB_POOL_CONFLICT', file, path, `${what} lies inside the loadBalancer pool ${pool.toString()}, whose addresses are handed to Services`);
    }
    const prev = owners.get(ip);
    if (prev !== undefined) fail('KW_TOPOLOGY_DUPLICATE_IP', file, path, `${what} is already used by ${prev}`);
    owners.set(ip, what);
  };
  const claimName = (name: string, what: string, path: string): void => {
    const bad = checkDns1123Subdomain(name);
    if (bad !== undefined) fail('KW_TOPOLOGY_INVALID_NAME', file, path, `invalid ${what} name "${name}": ${bad}`);
    const prev = names.get(name);
    if (prev !== undefined) fail('KW_TOPOLOGY_DUPLICATE_NAME', file, path, `${what} name "${name}" is already used by ${prev}`);
    names.set(name, `${what} at ${path}`);
  };

  let gateway: Ip4 | undefined;
  if (c.nodeNetwork.gateway !== undefined) {
    const path = '/cluster/nodeNetwork/gateway';
    gateway = ipAt(c.nodeNetwork.gateway, file, path);
    if (!nodeNet.contains(gateway)) {
      fail('KW_TOPOLOGY_IP_OUTSIDE_NETWORK', file, path, `gateway ${ip4ToString(gateway)} is outside the node network ${nodeNet.toString()}`);
    }
    claimIp(gateway, `the gateway ${ip4ToString(gateway)}`, path);
  }

  const hostIp = (text: string, who: string, path: string): Ip4 => {
    const ip = ipAt(text, file, path);
    if (!nodeNet.contains(ip)) {
      fail('KW_TOPOLOGY_IP_OUTSIDE_NETWORK', file, path, `${who.replace('%', ip4ToString(ip))} is outside every network: the node network is ${nodeNet.toString()}`);
    }
    claimIp(ip, who.replace('%', ip4ToString(ip)), path);
    return ip;
  };

  const nodeIps: Ip4[] = [];
  const given: (Cidr4 | undefined)[] = [];
  doc.nodes.forEach((n, i) => {
    const at = `/nodes/${i}`;
    claimName(n.name, 'node', `${at}/name`);
    nodeIps.push(hostIp(n.ip, `node IP % of ${n.name}`, `${at}/ip`));
    for (const [k, v] of Object.entries(n.labels ?? {})) {
      const bad = checkLabelKey(k) ?? checkLabelValue(v);
      if (bad !== undefined) fail('KW_TOPOLOGY_INVALID_LABEL', file, `${at}/labels/${k}`, `invalid label ${k}=${v}: ${bad}`);
    }
    if (n.podCIDR === undefined) {
      given.push(undefined);
      return;
    }
    const pc = cidrAt(n.podCIDR, file, `${at}/podCIDR`);
    if (!clusterCIDR.containsCidr(pc)) {
      fail('KW_TOPOLOGY_POD_CIDR_OUTSIDE_CLUSTER', file, `${at}/podCIDR`, `podCIDR ${pc.toString()} of ${n.name} is outside clusterCIDR ${clusterCIDR.toString()}`);
    }
    if (pc.prefix > 30) {
      fail('KW_TOPOLOGY_INVALID_CIDR', file, `${at}/podCIDR`, `podCIDR ${pc.toString()} of ${n.name} leaves no usable pod addresses: host-local rejects subnets longer than /30`);
    }
    given.push(pc);
  });
  checkPodCidrOverlaps(doc, given, file);

  const external: ExternalHostSpec[] = (doc.external ?? []).map((h, i) => {
    claimName(h.name, 'external host', `/external/${i}/name`);
    return { name: h.name, ip: hostIp(h.ip, `external IP % of ${h.name}`, `/external/${i}/ip`) };
  });

  const alloc = allocatePodCidrs(clusterCIDR, maskSize, given);
  if (!alloc.ok) {
    const node = doc.nodes[alloc.node];
    fail('KW_TOPOLOGY_POD_CIDRS_EXHAUSTED', file, `/nodes/${alloc.node}`, `no podCIDR left for node ${node?.name ?? '?'}: clusterCIDR ${clusterCIDR.toString()} holds ${clusterCIDR.subnetCount(maskSize)} /${maskSize} subnets and ${doc.nodes.length} nodes need one (${alloc.free} were free for allocation)`);
  }
  const nodes: NodeSpec[] = doc.nodes.map((n, i) => {
    const a = alloc.cidrs[i];
    const ip = nodeIps[i];
    if (a === undefined || ip === undefined) throw new Error(`internal: node ${i} lost during allocation`);
    return { name: n.name, ip, podCIDR: a.cidr, podCIDRAllocated: a.allocated, labels: { ...(n.labels ?? {}) } };
  });

  const lb = c.loadBalancer;
  return {
    name: doc.metadata.name,
    cluster: {
      clusterCIDR,
      serviceCIDR,
      nodeCIDRMaskSize: maskSize,
      nodeNetwork: gateway === undefined ? { cidr: nodeNet } : { cidr: nodeNet, gateway },
      network: c.network ?? TOPOLOGY_DEFAULTS.network,
      proxyMode: c.proxyMode ?? TOPOLOGY_DEFAULTS.proxyMode,
      cni,
      ...(pool === undefined || lb === undefined ? {} : { loadBalancer: { pool, mode: lb.mode ?? TOPOLOGY_DEFAULTS.loadBalancerMode } }),
    },
    nodes,
    external,
  };
}

/** Sorted sweep: O(n log n), so 5,000 explicit podCIDRs are checked in milliseconds. */
function checkPodCidrOverlaps(doc: TopologyDocument, given: readonly (Cidr4 | undefined)[], file: string): void {
  const list = given
    .map((c, i) => ({ c, i }))
    .filter((x): x is { c: Cidr4; i: number } => x.c !== undefined)
    .sort((a, b) => a.c.network - b.c.network || a.i - b.i);
  let widest: { c: Cidr4; i: number } | undefined;
  for (const x of list) {
    if (widest !== undefined && widest.c.overlaps(x.c)) {
      const [first, second] = widest.i < x.i ? [widest, x] : [x, widest];
      const name = (i: number): string => doc.nodes[i]?.name ?? `#${i}`;
      fail('KW_TOPOLOGY_POD_CIDR_OVERLAP', file, `/nodes/${second.i}/podCIDR`, `podCIDR ${second.c.toString()} of ${name(second.i)} overlaps podCIDR ${first.c.toString()} of ${name(first.i)}`);
    }
    if (widest === undefined || x.c.broadcast > widest.c.broadcast) widest = x;
  }
}
