import type { Node } from 'kubernetes-types/core/v1.js';
import { ip4ToString } from '../../../addr/index.js';
import { type NftTable, printNftTable } from '../../../net/index.js';
import type { EndpointInfo } from '../../endpoint.js';
import { SharedProxyState } from '../../shared-state.js';
import type { ServicePortInfo } from '../../service-port.js';
import { NodeZone, ProxierHandlers } from '../../proxier-base.js';
import type { Proxier, ProxierConfig, SyncReport } from '../../types.js';
import { renderNftTable } from './render.js';

export interface NftablesSyncReport extends SyncReport {
  /** The `ip kube-proxy` table after the sync. */
  readonly table: NftTable;
}

/**
 * kube-proxy's nftables Proxier (v1.29 layout) for one node. Every sync rebuilds the whole table,
 * as kube-proxy then did (its maps are flushed and refilled each sync). `restore` holds the table
 * as `nft list ruleset` prints it.
 */
export class NftablesProxier extends ProxierHandlers implements Proxier {
  readonly mode = 'nftables' as const;
  private readonly nodeZone: NodeZone;
  private syncedSeq = -1;
  private dirty = true;
  private last: NftablesSyncReport | undefined;

  constructor(
    private readonly cfg: ProxierConfig,
    state: SharedProxyState = new SharedProxyState(),
  ) {
    super(state);
    this.nodeZone = new NodeZone(cfg.nodeName, cfg.nodeLabels);
  }

  private get zone(): string | undefined {
    return this.nodeZone.zone;
  }

  /** A zone change re-renders the table (topology hints); the Service handlers come from ProxierHandlers. */
  onNodeUpdate(node: Node): void {
    if (this.nodeZone.update(node)) this.dirty = true;
  }

  /** The table for the current state (no sync bookkeeping). */
  renderTable(): NftTable {
    const st = this.state;
    function* ports(): Generator<[ServicePortInfo, readonly EndpointInfo[]]> {
      for (const o of st.serviceOrder) {
        if (o === undefined) continue;
        yield [o.svc, o.eps ?? []];
      }
    }
    const npa = this.cfg.nodePortAddresses ?? [];
    const addrs = this.cfg.interfaceAddresses ?? this.cfg.nodeIPs;
    return renderNftTable(ports(), {
      nodeName: this.cfg.nodeName,
      zone: this.zone,
      nodeIP: this.cfg.nodeIPs[0],
      mark: this.cfg.masqueradeMarkText ?? `0x${(2 ** (this.cfg.masqueradeBit ?? 14)).toString(16).padStart(8, '0')}`,
      masqueradeAll: this.cfg.masqueradeAll ?? false,
      clusterCIDR: this.cfg.clusterCIDR?.toString(),
      nodePortIPs: npa.length === 0 || npa.some((c) => c.prefix === 0) ? undefined : addrs.filter((a) => npa.some((c) => c.contains(a))).map(ip4ToString),
    });
  }

  sync(): NftablesSyncReport {
    if (!this.dirty && this.syncedSeq === this.state.currentSeq && this.last !== undefined) return { ...this.last, kind: 'noop', restore: '' };
    const table = this.renderTable();
    const r: NftablesSyncReport = { mode: 'nftables', kind: 'full', restore: printNftTable(table), changedServices: [], deletedChains: [], largeClusterMode: false, table };
    this.syncedSeq = this.state.currentSeq;
    this.dirty = false;
    this.last = r;
    return r;
  }
}
