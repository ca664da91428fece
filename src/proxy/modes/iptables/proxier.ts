import type { Node } from 'kubernetes-types/core/v1.js';
import type { EndpointInfo } from '../../endpoint.js';
import { SharedProxyState, BLOCK_SIZE, type ChangeLogEntry } from '../../shared-state.js';
import type { ServicePortInfo } from '../../service-port.js';
import { NodeZone, ProxierHandlers } from '../../proxier-base.js';
import type { Proxier, ProxierConfig, SyncReport } from '../../types.js';
import { ENSURED_JUMPS, type EnsuredJump } from './chains.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import { fixedFilterChains, fixedFilterRulesHead, fixedFilterRulesTail, fixedNatChains, fixedNatRulesHead, nodePortsJumpRules } from './fixed-rules.js';
import { renderNodeView, type NodeViewOptions } from './node-view.js';
import { concatPieces, TextPieces } from './text-pieces.js';
import type { BlockText } from './block-text.js';
import { type ConfigRenderCache, type NodeContext, SharedRenderCache, variantFor } from './render-cache.js';

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
  /**
   * `restore` as the flat pieces it is made of, in order (their join is `restore`): mostly whole or
   * sliced texts shared with other nodes. Write them out with RestoreBytes, as kube-proxy writes its
   * restore input into a reused buffer, instead of flattening `restore`.
   */
  readonly restorePieces: readonly string[];
}

/**
 * kube-proxy's iptables Proxier for one node. Rendering follows syncProxyRules (pkg/proxy/iptables/
 * proxier.go, v1.31+): a full sync writes every chain; later syncs are partial and write only the
 * chains of Services changed since the last sync, plus KUBE-SERVICES, KUBE-NODEPORTS and the whole
 * filter table. Service ports are emitted in the order they were first seen (kube-proxy iterates a
 * Go map, i.e. a random order; its tests compare after sortIPTablesRules).
 */
export class IptablesProxier extends ProxierHandlers implements Proxier {
  readonly mode = 'iptables' as const;
  private readonly cfg: ResolvedConfig;
  private readonly shared: SharedRenderCache;
  private readonly cache: ConfigRenderCache;
  private readonly nodeZone: NodeZone;
  private syncedZone: string | undefined;
  private syncedSeq = 0;
  private needFullSync = true;
  private everSynced = false;

  constructor(config: ProxierConfig, shared: SharedIptablesContext = createSharedIptablesContext()) {
    super(shared.state);
    this.cfg = resolveConfig(config);
    this.shared = shared.cache;
    this.cache = shared.cache.forConfig(this.cfg.render);
    this.nodeZone = new NodeZone(this.cfg.nodeName, config.nodeLabels);
  }

  private get zone(): string | undefined {
    return this.nodeZone.zone;
  }

  /** Node label changes (zone) force a full sync, as kube-proxy's OnNodeUpdate does. Other nodes are ignored. */
  onNodeUpdate(node: Node): void {
    if (this.nodeZone.update(node)) this.needFullSync = true;
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
      return { mode: 'iptables', kind: 'noop', restore: '', restorePieces: [], changedServices: [], deletedChains: [], largeClusterMode: large, ensuredJumps: [] };
    }
    // A node's first sync writes everything and deletes nothing: the change log (every Service
    // since the log was last trimmed, O(Services)) is only read if the caller asks which
    // Services it covered.
    const firstOld = this.everSynced ? firstChangePerService(changes) : undefined;
    const deleted = firstOld !== undefined ? this.staleChains(firstOld, large) : [];
    const pieces = this.assemble(full, full || firstOld === undefined ? undefined : new Set(firstOld.keys()), deleted, large);
    this.syncedSeq = this.state.currentSeq;
    this.state.markSynced(this, this.syncedSeq);
    this.needFullSync = false;
    this.everSynced = true;
    this.syncedZone = this.zone;
    let changedServices: readonly string[] | undefined = firstOld === undefined ? undefined : [...firstOld.keys()];
    return {
      mode: 'iptables',
      kind: full ? 'full' : 'partial',
      restore: concatPieces(pieces),
      restorePieces: pieces,
      get changedServices(): readonly string[] {
        changedServices ??= [...firstChangePerService(changes).keys()];
        return changedServices;
      },
      deletedChains: deleted,
      largeClusterMode: large,
      ensuredJumps: full ? ENSURED_JUMPS : [],
    };
  }

  /** The full restore text for the current state, without deletions and without touching sync state. */
  renderFull(): string {
    return concatPieces(this.assemble(true, undefined, [], this.largeClusterMode));
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

  /** The restore text's pieces, in order. */
  private assemble(full: boolean, changed: ReadonlySet<string> | undefined, deleted: readonly string[], large: boolean): string[] {
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
    // Positions (in serviceOrder) whose text is not simply the shared block text: node-specific
    // variants, and on partial syncs the changed services (whose chains are written too).
    const marked = new Set<number>();
    const mark = (sk: string): void => {
      for (const pk of st.services.portsOf(sk)?.keys() ?? []) {
        const p = st.positionOf(pk);
        if (p !== undefined) marked.add(p);
      }
    };
    special.forEach(mark);
    changed?.forEach(mark);
    const positions = [...marked].sort((a, b) => a - b);

    // A node's text is shared block text plus its own pieces, concatenated without copying
    // (text-pieces.ts): blocks without marked positions go in whole; in the others the runs between
    // marked positions are cut out of the block's text as one slice each. The cost per node grows
    // with blocks and marked positions, not with Services.
    const natRules = new TextPieces();
    const natDecls = new TextPieces();
    const filter = new TextPieces();
    // The default text of positions [k0, k1) of a block (BlockText.off: heads, full, decls, filter).
    const defaults = (bt: BlockText, k0: number, k1: number, withChains: boolean): void => {
      if (withChains) {
        natRules.range(bt.full, bt.at(4 * k0 + 1), bt.at(4 * k1 + 1));
        natDecls.range(bt.decls, bt.at(4 * k0 + 2), bt.at(4 * k1 + 2));
      } else {
        natRules.range(bt.heads, bt.at(4 * k0), bt.at(4 * k1));
      }
      filter.range(bt.filter, bt.at(4 * k0 + 3), bt.at(4 * k1 + 3));
    };
    const blocks = Math.ceil(st.serviceOrder.length / BLOCK_SIZE);
    let next = 0;
    for (let b = 0; b < blocks; b++) {
      const bt = this.cache.block(st, b, large);
      const end = (b + 1) * BLOCK_SIZE;
      if (next >= positions.length || (positions[next] ?? end) >= end) {
        natRules.add(full ? bt.full : bt.heads);
        if (full) natDecls.add(bt.decls);
        filter.add(bt.filter);
        continue;
      }
      let cursor = 0;
      for (; next < positions.length && (positions[next] ?? end) < end; next++) {
        const k = (positions[next] ?? 0) - b * BLOCK_SIZE;
        const svc = bt.svcs[k];
        if (svc === undefined) continue;
        defaults(bt, cursor, k, full);
        cursor = k + 1;
        const v = special.has(svc.serviceKey) ? this.variantOf(svc, bt.eps[k], large, this.zone) : undefined;
        const withChains = full || changed?.has(svc.serviceKey) === true;
        if (v === undefined || v.key === '') {
          defaults(bt, k, k + 1, withChains);
          continue;
        }
        const r = this.cache.render(svc, bt.eps[k], v);
        natRules.add(r.natHead);
        if (withChains) {
          natRules.add(r.natChainRules);
          natDecls.add(r.natChainDecls);
        }
        filter.add(r.filter);
      }
      defaults(bt, cursor, bt.svcs.length, full);
    }
    natRules.flush();
    natDecls.flush();
    filter.flush();
    const delDecls: string[] = [];
    const delRules: string[] = [];
    for (const c of deleted) {
      delDecls.push(`:${c} - [0:0]\n`);
      delRules.push(`-X ${c}\n`);
    }
    const cfg = this.cfg;
    const pieces = [
      '*filter\n',
      fixedFilterChains(cfg),
      fixedFilterRulesHead(cfg),
      ...filter.parts,
      fixedFilterRulesTail(cfg),
      'COMMIT\n*nat\n',
      fixedNatChains(),
      ...natDecls.parts,
      delDecls.join(''),
      fixedNatRulesHead(cfg),
      ...natRules.parts,
      delRules.join(''),
      nodePortsJumpRules(cfg),
      'COMMIT\n',
    ];
    return pieces.filter((p) => p !== '');
  }
}

/** The first log entry of each Service (its state before all of these changes), in log order. */
function firstChangePerService(changes: readonly ChangeLogEntry[]): Map<string, ChangeLogEntry> {
  const first = new Map<string, ChangeLogEntry>();
  for (const e of changes) if (!first.has(e.serviceKey)) first.set(e.serviceKey, e);
  return first;
}
