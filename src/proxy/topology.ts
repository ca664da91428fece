import type { EndpointInfo } from './endpoint.js';
import { isLocalTo } from './endpoint.js';
import { type ServicePortInfo, usesClusterEndpoints, usesLocalEndpoints } from './service-port.js';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface CategorizedEndpoints {
  /** Endpoints for Cluster traffic policy (topology-filtered if usable); empty if the service never uses Cluster policy. */
  readonly clusterEndpoints: readonly EndpointInfo[];
  /** Endpoints for Local traffic policy; empty if none or the service never uses Local policy. */
  readonly localEndpoints: readonly EndpointInfo[];
  /** Union of the two: the endpoints that get a KUBE-SEP chain on this node. */
  readonly allReachable: readonly EndpointInfo[];
  /** Any usable endpoint anywhere in the cluster. */
  readonly hasAnyEndpoints: boolean;
  /** Whether topology hints were applied (then the result depends on the node's zone). */
  readonly usedTopology: boolean;
}

/**
 * kube-proxy's canUseTopology (pkg/proxy/topology.go): a non-empty, non-"disabled" hints annotation,
 * a zone label on the node, a zone hint on every ready endpoint, and at least one for our zone.
 */
export function canUseTopology(eps: readonly EndpointInfo[], svc: ServicePortInfo, zone: string | undefined): boolean {
  const a = svc.hintsAnnotation;
  if (a === '' || a === 'disabled' || a === 'Disabled') return false;
  if (zone === undefined || zone === '') return false;
  let forZone = false;
  for (const ep of eps) {
    if (!ep.ready) continue;
    if (ep.zoneHints.length === 0) return false;
    if (ep.zoneHints.includes(zone)) forZone = true;
  }
  return forZone;
}

/** The empty endpoint list, shared (most services have no local endpoints on a node); readonly by type, not frozen, so it keeps the map of every other endpoint list. */
const NONE: readonly EndpointInfo[] = [];

function allReady(eps: readonly EndpointInfo[]): boolean {
  for (let i = 0; i < eps.length; i++) if (eps[i]?.ready !== true) return false;
  return true;
}

/** CategorizeEndpoints exactly as kube-proxy (pkg/proxy/topology.go), with locality = nodeName match. */
export function categorizeEndpoints(
  eps: readonly EndpointInfo[],
  svc: ServicePortInfo,
  nodeName: string,
  zone: string | undefined,
): CategorizedEndpoints {
  let clusterEndpoints: readonly EndpointInfo[] = [];
  let hasAnyEndpoints = false;
  let useTopology = false;
  if (usesClusterEndpoints(svc)) {
    useTopology = canUseTopology(eps, svc, zone);
    // Common case (every endpoint ready, no topology): the list itself, no copy.
    clusterEndpoints = !useTopology && allReady(eps) ? eps : eps.filter((ep) => ep.ready && (!useTopology || (zone !== undefined && ep.zoneHints.includes(zone))));
    // No ready endpoint anywhere: fall back to serving+terminating ones (topology ignored).
    if (clusterEndpoints.length === 0) clusterEndpoints = eps.filter((ep) => ep.serving && ep.terminating);
    if (clusterEndpoints.length > 0) hasAnyEndpoints = true;
  }
  if (!usesLocalEndpoints(svc)) {
    return { clusterEndpoints, localEndpoints: NONE, allReachable: clusterEndpoints, hasAnyEndpoints, usedTopology: useTopology };
  }
  let localReady = false;
  let localServingTerminating = false;
  for (const ep of eps) {
    if (ep.ready) {
      hasAnyEndpoints = true;
      if (isLocalTo(ep, nodeName)) localReady = true;
    } else if (ep.serving && ep.terminating) {
      hasAnyEndpoints = true;
      if (isLocalTo(ep, nodeName)) localServingTerminating = true;
    }
  }
  let localEndpoints: readonly EndpointInfo[] = NONE;
  let useServingTerminating = false;
  if (localReady) {
    localEndpoints = eps.filter((ep) => isLocalTo(ep, nodeName) && ep.ready);
  } else if (localServingTerminating) {
    useServingTerminating = true;
    localEndpoints = eps.filter((ep) => isLocalTo(ep, nodeName) && ep.serving && ep.terminating);
  }
  if (!usesClusterEndpoints(svc)) {
    return { clusterEndpoints, localEndpoints, allReachable: localEndpoints, hasAnyEndpoints, usedTopology: useTopology };
  }
  if (!useTopology && !useServingTerminating) {
    return { clusterEndpoints, localEndpoints, allReachable: clusterEndpoints, hasAnyEndpoints, usedTopology: useTopology };
  }
  // kube-proxy merges through a Go map (random order); we keep cluster order then extra local ones.
  const seen = new Set<string>();
  const all: EndpointInfo[] = [];
  for (const ep of [...clusterEndpoints, ...localEndpoints]) {
    if (seen.has(ep.str)) continue;
    seen.add(ep.str);
    all.push(ep);
  }
  return { clusterEndpoints, localEndpoints, allReachable: all, hasAnyEndpoints, usedTopology: useTopology };
}
