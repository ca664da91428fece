import type { Node } from 'kubernetes-types/core/v1.js';
import { type Ip4, ip4ToString, parseIp4 } from '../../../addr/index.js';
import { InputError } from '../../../lib/index.js';
import { type RealServer, SCHEDULERS, type SchedulerName, type VirtualServer, type VirtualService } from '../../../net/index.js';
import type { EndpointInfo } from '../../endpoint.js';
import { SharedProxyState } from '../../shared-state.js';
import { cidrString, type ServicePortInfo } from '../../service-port.js';
import { categorizeEndpoints } from '../../topology.js';
import { NodeZone, ProxierHandlers } from '../../proxier-base.js';
import type { Proxier, ProxierConfig, SyncReport } from '../../types.js';
import * as S from './ipsets.js';
import { ipsetRestoreText } from './ipsets.js';
import { ipvsEnsuredJumps, ipvsIptablesRestore } from './rules.js';
import { nodeViewWithJumps } from '../../builtin-view.js';

export interface IpvsSyncReport extends SyncReport {
  /** `ipset restore` input creating and filling every set. */
  readonly ipset: string;
  /** The IPVS table after the sync (what `ipvsadm -Ln` lists). */
  readonly virtualServices: readonly VirtualService[];
  /** Addresses bound to the kube-ipvs0 dummy interface (as /32). */
  readonly dummyAddresses: readonly string[];
}

export const DUMMY_DEVICE = 'kube-ipvs0';
const ALL_ONES = 0xffffffff as Ip4;

/**
 * kube-proxy's IPVS Proxier for one node (pkg/proxy/ipvs/proxier.go syncProxyRules): one virtual
 * server per ClusterIP, ExternalIP, LoadBalancer IP and (node address, NodePort), real servers of
 * weight 1 with Masq forwarding, service addresses bound to kube-ipvs0, and a constant set of
 * iptables rules keyed on ipsets. Each sync renders the whole state (IPVS has no partial sync).
 */
export class IpvsProxier extends ProxierHandlers implements Proxier {
  readonly mode = 'ipvs' as const;
  private readonly scheduler: SchedulerName;
  private readonly nodeZone: NodeZone;
  private syncedSeq = -1;
  private dirty = true;
  private last: IpvsSyncReport | undefined;

  constructor(
    private readonly cfg: ProxierConfig,
    state: SharedProxyState = new SharedProxyState(),
  ) {
    super(state);
    const s = cfg.ipvsScheduler ?? 'rr';
    if (!(SCHEDULERS as readonly string[]).includes(s)) {
      throw new InputError('KW_PROXY_BAD_CONFIG', `ipvsScheduler "${s}" is not one of ${SCHEDULERS.join(', ')}`, { where: 'ProxierConfig.ipvsScheduler' });
    }
    this.scheduler = s as SchedulerName;
    this.nodeZone = new NodeZone(cfg.nodeName, cfg.nodeLabels);
  }

  private get zone(): string | undefined {
    return this.nodeZone.zone;
  }

  /** A zone change re-renders everything (topology hints); the Service handlers come from ProxierHandlers. */
  onNodeUpdate(node: Node): void {
    if (this.nodeZone.update(node)) this.dirty = true;
  }

  /** The node addresses NodePort virtual servers listen on: all local addresses but loopback and kube-ipvs0's. */
  private nodePortIPs(): Ip4[] {
    const all = this.cfg.interfaceAddresses ?? this.cfg.nodeIPs;
    const npa = this.cfg.nodePortAddresses ?? [];
    return all.filter((a) => a >>> 24 !== 127 && (npa.length === 0 || npa.some((c) => c.contains(a))));
  }

  sync(): IpvsSyncReport {
    if (!this.dirty && this.syncedSeq === this.state.currentSeq && this.last !== undefined) {
      return { ...this.last, kind: 'noop', restore: '', changedServices: [] };
    }
    const r = this.render();
    this.syncedSeq = this.state.currentSeq;
    this.state.markSynced(this, this.syncedSeq);
    this.dirty = false;
    this.last = r;
    return r;
  }

  /** The current rendering without touching sync state. */
  render(): IpvsSyncReport {
    const sets = new Map<string, string[]>();
    // Members already added, per set (a Set per ipset, not one Set of "set member" texts to build and hash).
    const seen = new Map<string, Set<string>>();
    const add = (set: string, m: string): void => {
      let s = seen.get(set);
      if (s === undefined) {
        s = new Set();
        seen.set(set, s);
        sets.set(set, []);
      }
      if (s.has(m)) return;
      s.add(m);
      sets.get(set)?.push(m);
    };
    const services: VirtualService[] = [];
    const bound: string[] = [];
    const boundSet = new Set<string>();
    const nodeIPs = this.nodePortIPs();
    const nodeAddr = new Set((this.cfg.interfaceAddresses ?? this.cfg.nodeIPs).map((a) => ip4ToString(a)));
    const bind = (ip: string): void => {
      if (nodeAddr.has(ip) || boundSet.has(ip)) return;
      boundSet.add(ip);
      bound.push(ip);
    };
    const nodeIP = this.cfg.nodeIPs[0];
    for (const o of this.state.serviceOrder) {
      if (o === undefined) continue;
      const svc = o.svc;
      const eps = o.eps ?? [];
      const p = svc.proto;
      const ipPort = (ip: string): string => `${ip},${p}:${svc.port}`;
      for (const ep of eps) if (ep.nodeName !== '' && ep.nodeName === this.cfg.nodeName) add(S.KUBE_LOOP_BACK, `${ep.ip},${p}:${ep.port},${ep.ip}`);
      const cat = categorizeEndpoints(eps, svc, this.cfg.nodeName, this.zone);
      // syncEndpoint: Local policy uses local endpoints, or falls back to the cluster ones (PR #97081).
      const destsFor = (onlyLocal: boolean): readonly EndpointInfo[] => (onlyLocal ? (cat.localEndpoints.length > 0 ? cat.localEndpoints : cat.clusterEndpoints) : cat.clusterEndpoints);
      const vsFor = (ip: string, port: number, onlyLocal: boolean): void => {
        services.push({ vs: this.virtualServer(svc, parseIp4(ip), port), dests: destsFor(onlyLocal).map(realServer) });
      };
      add(S.KUBE_CLUSTER_IP, ipPort(svc.clusterIP));
      vsFor(svc.clusterIP, svc.port, svc.internalPolicyLocal);
      bind(svc.clusterIP);
      for (const eip of svc.externalIPs) {
        add(svc.externalPolicyLocal ? S.KUBE_EXTERNAL_IP_LOCAL : S.KUBE_EXTERNAL_IP, ipPort(eip));
        vsFor(eip, svc.port, svc.externalPolicyLocal);
        bind(eip);
      }
      for (const lb of svc.loadBalancerVIPs) {
        add(S.KUBE_LOAD_BALANCER, ipPort(lb));
        if (svc.externalPolicyLocal) add(S.KUBE_LOAD_BALANCER_LOCAL, ipPort(lb));
        if (svc.loadBalancerSourceRanges.length > 0) {
          add(S.KUBE_LOAD_BALANCER_FW, ipPort(lb));
          let allowFromNode = false;
          for (const c of svc.loadBalancerSourceRanges) {
            add(S.KUBE_LOAD_BALANCER_SOURCE_CIDR, `${ipPort(lb)},${cidrString(c)}`);
            if (nodeIP !== undefined && c.contains(nodeIP)) allowFromNode = true;
          }
          if (allowFromNode) add(S.KUBE_LOAD_BALANCER_SOURCE_IP, `${ipPort(lb)},${lb}`);
        }
        vsFor(lb, svc.port, svc.externalPolicyLocal);
        bind(lb);
      }
      if (svc.nodePort !== 0 && nodeIPs.length > 0) {
        if (p === 'sctp') {
          for (const n of nodeIPs) {
            add(S.KUBE_NODE_PORT_SCTP, `${ip4ToString(n)},sctp:${svc.nodePort}`);
            if (svc.externalPolicyLocal) add(S.KUBE_NODE_PORT_LOCAL_SCTP, `${ip4ToString(n)},sctp:${svc.nodePort}`);
          }
        } else {
          add(p === 'tcp' ? S.KUBE_NODE_PORT_TCP : S.KUBE_NODE_PORT_UDP, `${svc.nodePort}`);
          if (svc.externalPolicyLocal) add(p === 'tcp' ? S.KUBE_NODE_PORT_LOCAL_TCP : S.KUBE_NODE_PORT_LOCAL_UDP, `${svc.nodePort}`);
        }
        for (const n of nodeIPs) vsFor(ip4ToString(n), svc.nodePort, svc.externalPolicyLocal);
      }
      if (svc.healthCheckNodePort !== 0) add(S.KUBE_HEALTH_CHECK_NODE_PORT, `${svc.healthCheckNodePort}`);
    }
    for (const ip of bound) add(S.KUBE_IPVS_IPS, ip);
    const restore = ipvsIptablesRestore({
      mark: this.cfg.masqueradeMarkText ?? `0x${(2 ** (this.cfg.masqueradeBit ?? 14)).toString(16).padStart(8, '0')}`,
      masqueradeAll: this.cfg.masqueradeAll ?? false,
      clusterCIDR: this.cfg.clusterCIDR?.toString(),
      randomFully: this.cfg.randomFully ?? true,
      accessFilter: this.cfg.ipvsAccessFilter ?? true,
      nonEmpty: new Set([...sets].filter(([, m]) => m.length > 0).map(([k]) => k)),
    });
    return { mode: 'ipvs', kind: 'full', restore, changedServices: [], deletedChains: [], largeClusterMode: false, ipset: ipsetRestoreText(sets), virtualServices: services, dummyAddresses: bound };
  }

  /** The node's iptables after this mode's sync (built-in chains with the ensured jumps + kube chains). */
  nodeView(): string {
    const r = this.last ?? this.render();
    const jumps = ipvsEnsuredJumps(this.cfg.ipvsAccessFilter ?? true).map((j) => ({ table: j.table, from: j.from, args: `-m comment --comment "${j.comment}" -j ${j.to}`, position: 'prepend' as const }));
    return nodeViewWithJumps(r.restore, jumps);
  }

  private virtualServer(svc: ServicePortInfo, address: Ip4, port: number): VirtualServer {
    // Two literals, not a conditional spread (V8's generic copy path and a shape per variant).
    const flags = this.scheduler === 'mh' ? MH_FLAGS : NO_FLAGS;
    if (svc.sessionAffinityClientIP) {
      return { protocol: svc.protocol, address, port, scheduler: this.scheduler, flags, persistent: { timeout: svc.stickyMaxAgeSeconds, netmask: ALL_ONES } };
    }
    return { protocol: svc.protocol, address, port, scheduler: this.scheduler, flags };
  }
}

const MH_FLAGS: readonly string[] = Object.freeze(['mh-port']);
const NO_FLAGS: readonly string[] = Object.freeze([]);

function realServer(ep: EndpointInfo): RealServer {
  return { address: parseIp4(ep.ip), port: ep.port, weight: 1, forward: 'Masq', activeConn: 0, inactConn: 0 };
}
