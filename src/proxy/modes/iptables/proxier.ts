import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { EndpointInfo } from '../../endpoint.js';
import { SharedProxyState, BLOCK_SIZE, type ChangeLogEntry } from '../../shared-state.js';
import type { ServicePortInfo } from '../../service-port.js';
import { ZONE_LABEL } from '../../topology.js';
import type { Proxier, ProxierConfig, SyncReport } from '../../types.js';
import { ENSURED_JUMPS, type EnsuredJump } from './chains.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import { fixedFilterChains, fixedFilterRulesHead, fixedFilterRulesTail, fixedNatChains, fixedNatRulesHead, nodePortsJumpRules } from './fixed-rules.js';
import { renderNodeView, type NodeViewOptions } from './node-view.js';
import { blockEntry, type ConfigRenderCache, type NodeContext, SharedRenderCache, variantFor } from './render-cache.js';

/** State shared by the proxiers of many nodes: Services/EndpointSlices once, rendered text once per variant. */
export interface SharedIptablesContext {
  readonly state: SharedProxyState;
  readonly cache: SharedRenderCache;
}

export function createSharedIptablesContext(): SharedIptablesContext {
  return { state: new SharedProxyState(), cache: new SharedRenderCache() };
}

export interface IptablesSyncReport extends SyncReport {
  /** The jump rules kube-proxy ensures with `iptables -I` on a full sync (empty on partial syncs). */
  readonly ensuredJumps: readonly EnsuredJump[];
}

/**
 * kube-proxy's iptables Proxier for one node. Rendering follows syncProxyRules (pkg/proxy/iptables/
 * proxier.go, v1.31+): a full sync writes every chain; later syncs are partial and write only the
 * chains of Services changed since the last sync, plus KUBE-SERVICES, KUBE-NODEPORTS and the whole
 * filter table. Service ports are emitted in the order they were first seen (kube-proxy iterates a
 * Go map, i.e. a random order; its tests compare after sortIPTablesRules).
 */
export class IptablesProxier implements Proxier {
  readonly mode = 'iptables' as const;
  private readonly cfg: ResolvedConfig;
  private readonly state: SharedProxyState;
  private readonly shared: SharedRenderCache;
  private readonly cache: ConfigRenderCache;
  private zone: string | undefined;
  private syncedZone: string | undefined;
  private syncedSeq = 0;
  private needFullSync = true;
  private everSynced = false;

  constructor(config: ProxierConfig, shared: SharedIptablesContext = createSharedIptablesContext()) {
    this.cfg = resolveConfig(config);
    this.state = shared.state;
    this.shared = shared.cache;
    this.cache = shared.cache.forConfig(this.cfg.render);
    this.zone = config.nodeLabels?.[ZONE_LABEL];
  }

  onServiceAdd(service: Service): void {
    this.state.applyService(undefined, service);
  }
  onServiceUpdate(oldService: Service, service: Service): void {
    this.state.applyService(oldService, service);
  }
  onServiceDelete(service: Service): void {
    this.state.applyService(service, undefined);
  }
  onEndpointSliceAdd(slice: EndpointSlice): void {
    this.state.applyEndpointSlice(slice, false);
  }
  onEndpointSliceUpdate(_oldSlice: EndpointSlice, slice: EndpointSlice): void {
    this.state.applyEndpointSlice(slice, false);
  }
  onEndpointSliceDelete(slice: EndpointSlice): void {
    this.state.applyEndpointSlice(slice, true);
  }
  /** Node label changes (zone) force a full sync, as kube-proxy's OnNodeUpdate does. Other nodes are ignored. */
  onNodeUpdate(node: Node): void {
    if (node.metadata?.name !== this.cfg.nodeName) return;
    const zone = node.metadata.labels?.[ZONE_LABEL];
    if (zone !== this.zone) {
      this.zone = zone;
      this.needFullSync = true;
    }
  }

  /** Call when this node's proxier is discarded, so the shared change log need not be kept for it. */
  dispose(): void {
    this.state.unregister(this);
  }

  /** The jump rules kube-proxy installs from built-in chains (EnsureRule Prepend), in call order. */
  ensuredJumps(): readonly EnsuredJump[] {
    return ENSURED_JUMPS;
  }

  private get node(): NodeContext {
    return { nodeName: this.cfg.nodeName, nodeIP: this.cfg.nodeIP, zone: this.zone };
  }

  private get largeClusterMode(): boolean {
    return this.state.totalEndpoints > this.cfg.largeClusterThreshold;
  }

  sync(): IptablesSyncReport {
    const changes = this.state.changesSince(this.syncedSeq);
    const full = this.needFullSync;
    const large = this.largeClusterMode;
    if (!full && changes.length === 0) {
      return { mode: 'iptables', kind: 'noop', restore: '', changedServices: [], deletedChains: [], largeClusterMode: large, ensuredJumps: [] };
    }
    const firstOld = new Map<string, ChangeLogEntry>();
    for (const e of changes) if (!firstOld.has(e.serviceKey)) firstOld.set(e.serviceKey, e);
    const deleted = this.everSynced ? this.staleChains(firstOld, large) : [];
    const restore = this.assemble(full, full ? undefined : new Set(firstOld.keys()), deleted, large);
    this.syncedSeq = this.state.currentSeq;
    this.state.markSynced(this, this.syncedSeq);
    this.needFullSync = false;
    this.everSynced = true;
    this.syncedZone = this.zone;
    return {
      mode: 'iptables',
      kind: full ? 'full' : 'partial',
      restore,
      changedServices: [...firstOld.keys()],
      deletedChains: deleted,
      largeClusterMode: large,
      ensuredJumps: full ? ENSURED_JUMPS : [],
    };
  }

  /** The full restore text for the current state, without deletions and without touching sync state. */
  renderFull(): string {
    return this.assemble(true, undefined, [], this.largeClusterMode);
  }

  /** The whole node as iptables-save would print it (built-in chains + ensured jumps + kube-proxy chains). */
  nodeView(opts: NodeViewOptions = {}): string {
    return renderNodeView(this.renderFull(), opts);
  }

  private variantOf(svc: ServicePortInfo, eps: readonly EndpointInfo[] | undefined, large: boolean, zone: string | undefined) {
    return variantFor(svc, eps ?? [], { ...this.node, zone }, large);
  }

  /** Chains this node wrote for a changed service that its new rendering no longer has (kube-proxy: existing − active). */
  private staleChains(firstOld: ReadonlyMap<string, ChangeLogEntry>, large: boolean): string[] {
    const candidates = new Map<string, ChangeLogEntry | undefined>(firstOld);
    if (this.syncedZone !== this.zone) for (const sk of this.state.nodeSensitive) if (!candidates.has(sk)) candidates.set(sk, undefined);
    const out: string[] = [];
    for (const [sk, entry] of candidates) {
      const oldPorts = entry === undefined ? this.state.services.portsOf(sk) : entry.oldPorts;
      const oldEps = entry === undefined ? this.state.endpoints.endpointsByService.get(sk) : entry.oldEndpoints;
      const curPorts = this.state.services.portsOf(sk);
      const active = new Set<string>();
      for (const [pk, svc] of curPorts ?? []) {
        const eps = this.state.endpoints.endpointsFor(sk, pk);
        for (const c of this.cache.renderUncached(svc, eps, this.variantOf(svc, eps, large, this.zone)).chains) active.add(c);
      }
      for (const [pk, svc] of oldPorts ?? []) {
        const eps = oldEps?.get(pk);
        for (const c of this.cache.renderUncached(svc, eps, this.variantOf(svc, eps, large, this.syncedZone)).chains) {
          if (!active.has(c)) out.push(c);
        }
        if (curPorts?.has(pk) !== true) this.shared.forget(pk);
      }
    }
    return [...new Set(out)].sort();
  }

  private assemble(full: boolean, changed: ReadonlySet<string> | undefined, deleted: readonly string[], large: boolean): string {
    const st = this.state;
    const node = this.node;
    // Services whose rendering differs on this node (local endpoints under a Local policy, source
    // ranges containing the node IP, topology hints for its zone); all others use shared blocks.
    const special = new Set<string>();
    const consider = (sk: string): void => {
      if (special.has(sk)) return;
      for (const [pk, svc] of st.services.portsOf(sk) ?? []) {
        if (this.variantOf(svc, st.endpoints.endpointsFor(sk, pk), large, this.zone).key !== '') {
          special.add(sk);
          return;
        }
      }
    };
    st.servicesWithEndpointsOn(node.nodeName).forEach(consider);
    st.nodeSensitive.forEach(consider);
    const dirty = new Set<number>();
    const markDirty = (sk: string): void => {
      for (const pk of st.services.portsOf(sk)?.keys() ?? []) {
        const b = st.blockOf(pk);
        if (b !== undefined) dirty.add(b);
      }
    };
    special.forEach(markDirty);
    changed?.forEach(markDirty);

    // Pieces are collected and joined once: the restore text is a single flat string (~12 MB for
    // 10,000 Services), built by one copy of the cached block texts rather than a rope.
    const natRules: string[] = [];
    const natDecls: string[] = [];
    const filter: string[] = [];
    const order = st.serviceOrder;
    const blocks = Math.ceil(order.length / BLOCK_SIZE);
    for (let b = 0; b < blocks; b++) {
      if (!dirty.has(b)) {
        const bt = this.cache.block(st, b, large);
        natRules.push(full ? bt.full : bt.heads);
        if (full) natDecls.push(bt.decls);
        filter.push(bt.filter);
        continue;
      }
      // Some services of this block render differently on this node, or changed (partial sync):
      // node-specific variants come from the variant cache, the rest is cut out of the shared block.
      const bt = this.cache.block(st, b, large);
      for (let k = 0; k < bt.svcs.length; k++) {
        const svc = bt.svcs[k];
        if (svc === undefined) continue;
        const eps = bt.eps[k];
        const v = special.has(svc.serviceKey) ? this.variantOf(svc, eps, large, this.zone) : undefined;
        const r = v === undefined || v.key === '' ? blockEntry(bt, k) : this.cache.render(svc, eps, v);
        natRules.push(r.natHead);
        if (full || changed?.has(svc.serviceKey) === true) {
          natRules.push(r.natChainRules);
          natDecls.push(r.natChainDecls);
        }
        filter.push(r.filter);
      }
    }
    const delDecls: string[] = [];
    const delRules: string[] = [];
    for (const c of deleted) {
      delDecls.push(`:${c} - [0:0]\n`);
      delRules.push(`-X ${c}\n`);
    }
    const cfg = this.cfg;
    return [
      '*filter\n',
      fixedFilterChains(cfg),
      fixedFilterRulesHead(cfg),
      ...filter,
      fixedFilterRulesTail(cfg),
      'COMMIT\n*nat\n',
      fixedNatChains(),
      ...natDecls,
      ...delDecls,
      fixedNatRulesHead(cfg),
      ...natRules,
      ...delRules,
      nodePortsJumpRules(cfg),
      'COMMIT\n',
    ].join('');
  }
}
