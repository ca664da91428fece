import { ip4ToString } from '../../../addr/index.js';
import { nodeViewWithJumps } from '../../builtin-view.js';
import { ProxierHandlers } from '../../proxier-base.js';
import { SharedProxyState } from '../../shared-state.js';
import type { Proxier, ProxierConfig, SyncReport } from '../../types.js';
import { USERSPACE_JUMPS, userspaceRestore, userspaceServiceRules } from './rules.js';
import type { ProxySocket } from './socket.js';

export interface UserspaceSyncReport extends SyncReport {
  /** One proxy socket per TCP/UDP service port, what UserspaceSockets serves. */
  readonly sockets: readonly ProxySocket[];
}

/**
 * kube-proxy's userspace Proxier (removed in v1.26) for one node: a listening socket per service
 * port, iptables portals steering the service's addresses and NodePort to it. Ports come from
 * --proxy-port-range in service order (kube-proxy without a range let the kernel pick one).
 * Traffic policies, topology and source ranges are not implemented by this mode.
 */
export class UserspaceProxier extends ProxierHandlers implements Proxier {
  readonly mode = 'userspace' as const;
  private readonly ports = new Map<string, number>();
  private nextPort: number;
  private syncedSeq = -1;
  private last: UserspaceSyncReport | undefined;

  constructor(
    private readonly cfg: ProxierConfig,
    state: SharedProxyState = new SharedProxyState(),
  ) {
    super(state);
    this.nextPort = cfg.userspaceProxyPortBase ?? 36000;
  }


  sync(): UserspaceSyncReport {
    if (this.syncedSeq === this.state.currentSeq && this.last !== undefined) return { ...this.last, kind: 'noop', restore: '' };
    const hostIP = this.cfg.nodeIPs[0] === undefined ? '127.0.0.1' : ip4ToString(this.cfg.nodeIPs[0]);
    const nat: string[] = [];
    const filter: string[] = [];
    const sockets: ProxySocket[] = [];
    for (const o of this.state.serviceOrder) {
      if (o === undefined) continue;
      const svc = o.svc;
      if (svc.proto === 'sctp') continue;
      let port = this.ports.get(svc.key);
      if (port === undefined) {
        port = this.nextPort++;
        this.ports.set(svc.key, port);
      }
      const r = userspaceServiceRules(svc, port, hostIP);
      nat.push(...r.nat);
      filter.push(...r.filter);
      const eps = (this.state.endpoints.endpointsFor(o.serviceKey, o.portKey) ?? []).filter((e) => e.ready).map((e) => e.str);
      sockets.push({ proxyPort: port, proto: svc.proto === 'udp' ? 'udp' : 'tcp', name: svc.nameString, endpoints: eps, affinitySeconds: svc.stickyMaxAgeSeconds });
    }
    const report: UserspaceSyncReport = { mode: 'userspace', kind: 'full', restore: userspaceRestore(nat, filter), changedServices: [], deletedChains: [], largeClusterMode: false, sockets };
    this.syncedSeq = this.state.currentSeq;
    this.last = report;
    return report;
  }

  /** The node's iptables after the sync (built-in chains with the portal jumps + the portal chains). */
  nodeView(): string {
    return nodeViewWithJumps((this.last ?? this.sync()).restore, USERSPACE_JUMPS);
  }
}
