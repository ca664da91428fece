import type { Ip4 } from '../../../addr/index.js';
import { type EndpointInfo, isLocalTo } from '../../endpoint.js';
import type { ServicePortInfo } from '../../service-port.js';
import { usesLocalEndpoints } from '../../service-port.js';
import { BLOCK_SIZE, type SharedProxyState } from '../../shared-state.js';
import { canUseTopology } from '../../topology.js';
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

/** Default-variant text of one block of service ports, shared by all nodes without overrides in it. */
export interface BlockText {
  readonly epoch: number;
  readonly version: number;
  readonly large: boolean;
  readonly heads: string;
  readonly full: string;
  readonly decls: string;
  readonly filter: string;
}

const NO_EPS: readonly EndpointInfo[] = [];

/** Rendered service ports for one ServiceRenderConfig, keyed by service port + variant. */
export class ConfigRenderCache {
  private readonly ports = new Map<string, PortEntry>();
  private readonly blocks: (BlockText | undefined)[] = [];

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

  /** Number of distinct renderings held (for memory accounting and tests). */
  variantCount(): number {
    let n = 0;
    for (const e of this.ports.values()) n += e.variants.size;
    return n;
  }

  /** The default-variant text of block `b`, rebuilt only when the block or the mode changed. */
  block(state: SharedProxyState, b: number, large: boolean): BlockText {
    const version = state.blockVersion(b);
    const cached = this.blocks[b];
    if (cached !== undefined && cached.version === version && cached.epoch === state.layoutEpoch && cached.large === large) return cached;
    let heads = '';
    let full = '';
    let decls = '';
    let filter = '';
    const order = state.serviceOrder;
    const end = Math.min(order.length, (b + 1) * BLOCK_SIZE);
    const v: Variant = { key: '', node: DEFAULT_NODE(large) };
    for (let i = b * BLOCK_SIZE; i < end; i++) {
      const o = order[i];
      if (o === undefined) continue;
      const svc = state.services.portsOf(o.serviceKey)?.get(o.portKey);
      if (svc === undefined) continue;
      const r = this.render(svc, state.endpoints.endpointsFor(o.serviceKey, o.portKey), v);
      heads += r.natHead;
      full += r.natHead + r.natChainRules;
      decls += r.natChainDecls;
      filter += r.filter;
    }
    const text: BlockText = { epoch: state.layoutEpoch, version, large, heads, full, decls, filter };
    this.blocks[b] = text;
    return text;
  }
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
