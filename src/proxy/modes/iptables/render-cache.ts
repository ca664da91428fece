/**
 * How many nodes' iptables proxiers share one rendering (kubewire's design; kube-proxy itself runs
 * once per node and shares nothing).
 *
 * - State once: SharedProxyState holds Services and EndpointSlices for all nodes. Chain names are
 *   computed at ingest, as kube-proxy's newServiceInfo / newEndpointInfo do (KUBE-SVC/SVL/EXT/FW on
 *   the ServicePortInfo, KUBE-SEP on each EndpointInfo), so rendering never hashes.
 * - Text once: a Service port renders identically on every node unless a Local traffic policy sees
 *   local endpoints, topology hints apply to the node's zone, or a loadBalancerSourceRange holds the
 *   node IP (`variantFor`). The default rendering lives only in blocks of BLOCK_SIZE ports: per block
 *   one flat string per section (`full`: KUBE-SERVICES/NODEPORTS lines then chain rules per port;
 *   `decls`; `filter`) plus offsets, so one port's text is cut out by `slice` rather than re-rendered.
 *   Node-specific variants are cached per port + variant key.
 * - A node's restore text is the block texts as they are plus, in blocks holding its node-specific
 *   or changed services, the runs between those positions cut out with `slice` and the node's own
 *   variants, concatenated into a shallow balanced rope (text-pieces.ts): no shared character is
 *   copied per node, so a node's sync costs O(blocks + its node-specific services), not O(text).
 *   The reader (iptables-restore's parser) flattens it once.
 * - A change bumps its block's version; the block is rebuilt by rendering the changed ports and
 *   taking each run of unchanged ports out of the previous text as one slice per section.
 * - A sync also hands out its text as the list of pieces (IptablesSyncReport.restorePieces), which
 *   RestoreBytes writes into one buffer reused across syncs, as kube-proxy reuses iptablesData: a
 *   partial sync then costs no fresh 1.7 MB string.
 * - Per node there is only the proxier (config and sync state): memory grows with Services plus
 *   node-specific variants, not with nodes x rules.
 *
 * Figures (scripts/bench/iptables.ts, 10,000 Services x 3 endpoints, CPU time on a 2-core machine
 * shared with other jobs, load ~20; text timed up to a flat string): cold full render of the first
 * node 620-930 ms before this design, 150-260 ms after (GC and first-run JIT are a large share: the
 * 2,000-Service render costs ~100-170 ms); a second node 90-130 ms before (rope flattening), 13-25 ms
 * after (one 12 MB copy); adding one Service and syncing 16-25 ms before, 1.7-2.2 ms after (mostly
 * the 1.7 MB KUBE-SERVICES chain every partial sync rewrites, a fresh large-object allocation), then
 * 0.4-1.0 ms with the run-wise block rebuild and the restore input written as bytes into the reused
 * buffer (2.0-2.2 ms when flattened into a fresh string instead, 0.15-0.4 ms left as a rope);
 * 5,000 nodes on one context: 113 MiB heap before, 71 MiB after, 0.4 KiB per node.
 * Later (bench bundle, a fresh process): the cold render's CPU median 173 -> 146 ms under load
 * (~110 -> ~94 ms in quiet moments) once the render stopped deoptimizing, stopped compiling its
 * loop twice and made fewer arrays and join calls per service. What remains is roughly a third
 * optimizing compiler (background threads), a fifth page faults of fresh memory (the blocks' and
 * the restore text's 12 MB each), a fifth string copying, and the first scavenge promoting the
 * ingest's young objects.
 * Measured since (fresh processes, per-thread CPU from /proc): of ~150 ms CPU under load, ~95 ms
 * is the main thread and ~55 ms background threads, ~40 of them the optimizing compiler and the
 * rest parallel scavenging. emitServicePort is the compiler's largest job (never optimizing it
 * left the main thread's time as it was and cut ~40 ms of CPU; its graph is mostly its
 * multi-argument pushes, and moving parts of it into functions of their own made it larger:
 * they are inlined back and also compiled on their own). The first scavenge is the largest GC
 * pause: it promotes the ingest's young objects (with a full GC between ingest and render, an
 * experiment only, the render's CPU fell ~17%). Tried and dropped: joining a first node's whole text once, with the new blocks'
 * sections as slices of it (one 12 MB copy instead of two): the main thread gained ~3 ms, but
 * each service's joined string then lives until the node's join instead of its block's, and
 * the scavenges promoting them cost ~30 ms more on the helper threads.
 */
import type { Ip4 } from '../../../addr/index.js';
import { type EndpointInfo, isLocalTo } from '../../endpoint.js';
import type { ServicePortInfo } from '../../service-port.js';
import { usesLocalEndpoints } from '../../service-port.js';
import { BLOCK_SIZE, type OrderEntry, type SharedProxyState } from '../../shared-state.js';
import { canUseTopology } from '../../topology.js';
import { BlockBuilder, type BlockText, newBlockScratch } from './block-text.js';
import { type NodeVariant, type RenderedServicePort, renderServicePort, type ServiceRenderConfig } from './render-service.js';

/** The node facts a rendering may depend on. */
export interface NodeContext {
  readonly nodeName: string;
  readonly nodeIP: Ip4 | undefined;
  readonly zone: string | undefined;
}

export interface Variant {
  /** '' for the default (node-independent) variant. */
  readonly key: string;
  readonly node: NodeVariant;
}

const DEFAULT_NODE = (large: boolean): NodeVariant => ({ nodeName: '', zone: undefined, largeClusterMode: large, allowFromNode: false });

/**
 * Which rendering of `svc` this node needs. kube-proxy's rules differ between nodes only through
 * (a) local endpoints of services with a Local traffic policy, (b) topology hints for the node's
 * zone, (c) whether the node IP lies in a loadBalancerSourceRange. Everything else is shared.
 */
export function variantFor(svc: ServicePortInfo, eps: readonly EndpointInfo[], node: NodeContext, large: boolean): Variant {
  let local = '';
  if (usesLocalEndpoints(svc)) {
    for (const e of eps) if (isLocalTo(e, node.nodeName)) local += `${e.str},`;
  }
  const topo = canUseTopology(eps, svc, node.zone) ? (node.zone ?? '') : '';
  const ip = node.nodeIP;
  const allow = svc.loadBalancerVIPs.length > 0 && ip !== undefined && svc.loadBalancerSourceRanges.some((c) => c.contains(ip));
  if (local === '' && topo === '' && !allow) return { key: '', node: DEFAULT_NODE(large) };
  return {
    key: `${allow ? 'A' : ''}|${topo}|${local}`,
    node: { nodeName: node.nodeName, zone: topo === '' ? undefined : topo, largeClusterMode: large, allowFromNode: allow },
  };
}

interface PortEntry {
  svc: ServicePortInfo;
  eps: readonly EndpointInfo[];
  variants: Map<string, RenderedServicePort>;
}

const NO_EPS: readonly EndpointInfo[] = [];

/**
 * Rendered service ports for one ServiceRenderConfig. Default (node-independent) renderings live
 * only in block texts; node-specific variants are kept per service port + variant.
 */
export class ConfigRenderCache {
  private readonly ports = new Map<string, PortEntry>();
  private readonly blocks: (BlockText | undefined)[] = [];
  private readonly scratch = newBlockScratch();

  constructor(readonly cfg: ServiceRenderConfig) {}

  /** Renders (or reuses) the given variant; the cache follows the current svc/eps objects of the port. */
  render(svc: ServicePortInfo, eps: readonly EndpointInfo[] | undefined, v: Variant): RenderedServicePort {
    const list = eps ?? NO_EPS;
    const vk = `${v.node.largeClusterMode ? 'L' : ''}${v.key}`;
    let e = this.ports.get(svc.key);
    if (e === undefined || e.svc !== svc || e.eps !== list) {
      e = { svc, eps: list, variants: new Map() };
      this.ports.set(svc.key, e);
    }
    let r = e.variants.get(vk);
    if (r === undefined) {
      r = renderServicePort(svc, list, this.cfg, v.node);
      e.variants.set(vk, r);
    }
    return r;
  }

  /** Renders without caching (for the state *before* a change, used to find stale chains). */
  renderUncached(svc: ServicePortInfo, eps: readonly EndpointInfo[] | undefined, v: Variant): RenderedServicePort {
    return renderServicePort(svc, eps ?? NO_EPS, this.cfg, v.node);
  }

  forget(portKey: string): void {
    this.ports.delete(portKey);
  }

  /** Number of distinct renderings held (for memory accounting and tests): block positions + variants. */
  variantCount(): number {
    let n = 0;
    for (const e of this.ports.values()) n += e.variants.size;
    for (const bt of this.blocks) for (const svc of bt?.svcs ?? []) if (svc !== undefined) n++;
    return n;
  }

  /**
   * The default-variant text of block `b`, rebuilt only when the block or the mode changed. A
   * rebuild re-renders only the positions whose service port or endpoints changed; the others are
   * cut out of the previous text (a partial sync adding one Service rebuilds one block this way).
   */
  block(state: SharedProxyState, b: number, large: boolean): BlockText {
    const version = state.blockVersion(b);
    const cached = this.blocks[b];
    if (cached !== undefined && cached.version === version && cached.epoch === state.layoutEpoch && cached.large === large) return cached;
    const old = cached !== undefined && cached.epoch === state.layoutEpoch && cached.large === large ? cached : undefined;
    const start = b * BLOCK_SIZE;
    const size = Math.max(0, Math.min(state.serviceOrder.length, start + BLOCK_SIZE) - start);
    const builder = new BlockBuilder(size, old?.hasHeads === true, this.scratch, this.cfg, DEFAULT_NODE(large));
    const [svcs, epsAt] = portsAt(state.serviceOrder, start, size);
    // Alternating runs: positions unchanged since `old` (copied), then changed ones (rendered).
    // The loops over positions are in small functions of their own (runEnd, BlockBuilder.render),
    // not here: a loop here would make this function hot, and the optimizing compiler would
    // compile the rendering loop a second time, inlined into it.
    for (let k = 0; k < size; ) {
      const j = runEnd(old, svcs, epsAt, k, size, true);
      if (j > k && old !== undefined) builder.copy(old, k, j);
      k = runEnd(old, svcs, epsAt, j, size, false);
      builder.render(j, k, svcs, epsAt);
    }
    const text = builder.finish(state.layoutEpoch, version, large, svcs, epsAt);
    this.blocks[b] = text;
    return text;
  }
}

/** The service port and endpoint list at each of `size` positions from `start` (undefined: tombstone). */
function portsAt(order: readonly (OrderEntry | undefined)[], start: number, size: number): [(ServicePortInfo | undefined)[], (readonly EndpointInfo[] | undefined)[]] {
  const svcs: (ServicePortInfo | undefined)[] = [];
  const epsAt: (readonly EndpointInfo[] | undefined)[] = [];
  for (let k = 0; k < size; k++) {
    const o = order[start + k];
    svcs.push(o?.svc);
    epsAt.push(o === undefined ? undefined : (o.eps ?? NO_EPS));
  }
  return [svcs, epsAt];
}

/** The end of the run of positions from `k` that are (`same`) or are not rendered as in `old`. */
function runEnd(old: BlockText | undefined, svcs: readonly (ServicePortInfo | undefined)[], epsAt: readonly (readonly EndpointInfo[] | undefined)[], k: number, size: number, same: boolean): number {
  if (old === undefined) return same ? k : size;
  const n = Math.min(size, old.svcs.length);
  let j = k;
  while (j < size && (j < n && old.svcs[j] === svcs[j] && old.eps[j] === epsAt[j]) === same) j++;
  return j;
}

/**
 * Rendered rule text shared between the proxiers of all nodes with the same kube-proxy flags. A
 * service whose rendering does not depend on the node is rendered once for the whole cluster.
 */
export class SharedRenderCache {
  private readonly byConfig = new Map<string, ConfigRenderCache>();

  forConfig(cfg: ServiceRenderConfig): ConfigRenderCache {
    const k = `${cfg.masqueradeAll ? 1 : 0}|${cfg.clusterCIDR ?? ''}|${cfg.localhostNodePortNfacct ? 1 : 0}`;
    let c = this.byConfig.get(k);
    if (c === undefined) {
      c = new ConfigRenderCache(cfg);
      this.byConfig.set(k, c);
    }
    return c;
  }

  forget(portKey: string): void {
    for (const c of this.byConfig.values()) c.forget(portKey);
  }
}
