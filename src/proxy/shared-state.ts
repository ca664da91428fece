import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { EndpointInfo } from './endpoint.js';
import { EndpointsChangeTracker, type ServiceEndpoints } from './endpoints-change-tracker.js';
import type { ServicePortInfo } from './service-port.js';
import { ServiceChangeTracker, type ServicePorts } from './service-change-tracker.js';

/** The state of one Service just before a change, kept so every node can compute what it must delete. */
export interface ChangeLogEntry {
  readonly seq: number;
  readonly serviceKey: string;
  readonly oldPorts: ServicePorts | undefined;
  readonly oldEndpoints: ServiceEndpoints | undefined;
}

export interface OrderEntry {
  readonly serviceKey: string;
  readonly portKey: string;
  /**
   * The port's current info and endpoints, kept current by every recorded change of its Service: a
   * renderer walking the order reads them here instead of looking each up by key in two maps of
   * maps (four lookups per port and sync, in tables of 10,000 entries).
   */
  readonly svc: ServicePortInfo;
  readonly eps: readonly EndpointInfo[] | undefined;
}

/** An order entry as the state holds it: its port's info and endpoints are updated in place. */
type LiveOrderEntry = OrderEntry & { svc: ServicePortInfo; eps: readonly EndpointInfo[] | undefined };

/**
 * Service ports are laid out in blocks; a block's rendered text is cached and shared by every node
 * that renders it unchanged. 256 ports make a block's text (~280 KB) larger than V8's largest
 * regular heap object (128 KB), so it is allocated straight into large-object space: the young-
 * generation GC never copies it (with 64, a cold 10,000-Service render ran twice as many scavenges).
 */
export const BLOCK_SIZE = 256;

/**
 * Cluster-wide Services and EndpointSlices, stored once for all nodes' proxiers. kube-proxy keeps one
 * ServicePortMap and EndpointsMap per node, but they differ between nodes only in "isLocal", which we
 * evaluate at render time from `EndpointInfo.nodeName`. Every node's proxier feeds its events here;
 * an event already applied (same object, or same resourceVersion) is a no-op, so 5,000 nodes
 * receiving the same watch event cost one update.
 */
export class SharedProxyState {
  readonly services = new ServiceChangeTracker();
  readonly endpoints = new EndpointsChangeTracker();
  private seq = 0;
  private log: ChangeLogEntry[] = [];
  private readonly lastService = new Map<string, Service>();
  private readonly lastSlice = new Map<string, EndpointSlice>();
  /** Render order of service ports (insertion order; `undefined` = removed). */
  private order: (LiveOrderEntry | undefined)[] = [];
  private readonly pos = new Map<string, number>();
  private tombstones = 0;
  /** Bumped when `order` is compacted: all block caches become invalid. */
  layoutEpoch = 0;
  private blockVersions: number[] = [];
  /** Per Service (with endpoints or node-sensitive): what reindex derived, in one map entry. */
  private readonly indexed = new Map<string, ServiceIndex>();
  private total = 0;
  private readonly servicesOnNode = new Map<string, Set<string>>();
  /** Services whose rendering may depend on the node's IP (source ranges) or zone (topology hints). */
  readonly nodeSensitive = new Set<string>();
  private readonly syncedSeqs = new Map<object, number>();
  /** The highest sequence number any node has reported as synced (never lowered). */
  private maxSynced = 0;

  get currentSeq(): number {
    return this.seq;
  }

  /** kube-proxy's totalEndpoints (all endpoints of all existing service ports) for large-cluster mode. */
  get totalEndpoints(): number {
    return this.total;
  }

  get serviceOrder(): readonly (OrderEntry | undefined)[] {
    return this.order;
  }

  blockVersion(block: number): number {
    return this.blockVersions[block] ?? 0;
  }

  blockOf(portKey: string): number | undefined {
    const p = this.pos.get(portKey);
    return p === undefined ? undefined : Math.floor(p / BLOCK_SIZE);
  }

  /** Index of the port in `serviceOrder` (its block is position / BLOCK_SIZE). */
  positionOf(portKey: string): number | undefined {
    return this.pos.get(portKey);
  }

  /** Services with at least one endpoint on `nodeName` (locality candidates). */
  servicesWithEndpointsOn(nodeName: string): ReadonlySet<string> {
    return this.servicesOnNode.get(nodeName) ?? new Set();
  }

  /** Applies a Service event; returns the log sequence number if something changed. */
  applyService(previous: Service | undefined, current: Service | undefined): number | undefined {
    const ref = current ?? previous;
    if (ref === undefined) return undefined;
    const key = `${ref.metadata?.namespace ?? 'default'}/${ref.metadata?.name ?? ''}`;
    const last = this.lastService.get(key);
    if (current !== undefined && last !== undefined && sameObject(last, current)) return undefined;
    if (current === undefined && last === undefined) return undefined;
    const oldPorts = this.services.portsOf(key);
    const oldEndpoints = this.endpoints.endpointsByService.get(key);
    const changed = this.services.update(previous, current, key);
    if (current === undefined) this.lastService.delete(key);
    else this.lastService.set(key, current);
    if (changed === undefined) return undefined;
    return this.record(key, oldPorts, oldEndpoints);
  }

  /** Applies an EndpointSlice event; returns the log sequence number if something changed. */
  applyEndpointSlice(slice: EndpointSlice, remove: boolean): number | undefined {
    const key = `${slice.metadata?.namespace ?? ''}/${slice.metadata?.name ?? ''}`;
    const last = this.lastSlice.get(key);
    if (!remove && last !== undefined && sameObject(last, slice)) return undefined;
    if (remove && last === undefined) return undefined;
    const svcName = slice.metadata?.labels?.['kubernetes.io/service-name'] ?? '';
    const serviceKey = `${slice.metadata?.namespace ?? ''}/${svcName}`;
    const oldPorts = this.services.portsOf(serviceKey);
    const oldEndpoints = this.endpoints.endpointsByService.get(serviceKey);
    const changed = this.endpoints.update(slice, remove);
    if (remove) this.lastSlice.delete(key);
    else this.lastSlice.set(key, slice);
    if (changed === undefined) return undefined;
    return this.record(changed, oldPorts, oldEndpoints);
  }

  /** Log entries after `seq` (what a node synced at `seq` has not rendered yet). */
  changesSince(seq: number): readonly ChangeLogEntry[] {
    return this.logAfter(seq);
  }

  /** A fresh array of the log entries after `seq` (the log is in sequence order). */
  private logAfter(seq: number): ChangeLogEntry[] {
    if (this.log.length === 0 || seq >= this.seq) return [];
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.log[mid]?.seq ?? 0) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return this.log.slice(lo);
  }

  /** A proxier reports the sequence number it has rendered; log entries all nodes have seen are dropped. */
  markSynced(node: object, seq: number): void {
    this.syncedSeqs.set(node, seq);
    if (seq > this.maxSynced) this.maxSynced = seq;
    if (this.log.length < 4096) return;
    let min = Infinity;
    for (const s of this.syncedSeqs.values()) min = Math.min(min, s);
    // What is left is the log's tail after `min` (a binary search, not a callback per entry: a
    // cold sync of 10,000 Services drops ~20,000 entries here).
    this.log = this.logAfter(min);
  }

  /** A proxier that is gone must unregister, or the change log is kept for it forever. */
  unregister(node: object): void {
    this.syncedSeqs.delete(node);
  }

  private record(serviceKey: string, oldPorts: ServicePorts | undefined, oldEndpoints: ServiceEndpoints | undefined): number {
    this.seq++;
    // A node reads a Service's state before its changes from the Service's first entry after the
    // node's last sync (a node's first sync is full and reads none). A second change right after
    // the Service's previous entry, with no sync since that entry, is therefore never first for
    // any node: it is not logged (a Service and then its EndpointSlice arriving cost one entry).
    const last = this.log[this.log.length - 1];
    if (last === undefined || last.serviceKey !== serviceKey || this.maxSynced >= last.seq) this.log.push({ seq: this.seq, serviceKey, oldPorts, oldEndpoints });
    // Looked up once here for both (each lookup of a fresh key in a 10,000-entry map is a cache miss or more).
    const ports = this.services.portsOf(serviceKey);
    const eps = this.endpoints.endpointsByService.get(serviceKey);
    this.relayout(serviceKey, oldPorts, ports, eps);
    this.reindex(serviceKey, ports, eps);
    return this.seq;
  }

  private relayout(serviceKey: string, oldPorts: ServicePorts | undefined, ports: ServicePorts | undefined, eps: ServiceEndpoints | undefined): void {
    for (const k of oldPorts?.keys() ?? []) {
      if (ports?.has(k) === true) continue;
      const p = this.pos.get(k);
      if (p === undefined) continue;
      this.order[p] = undefined;
      this.pos.delete(k);
      this.tombstones++;
      this.bump(p);
    }
    for (const [k, svc] of ports ?? []) {
      let p = this.pos.get(k);
      const list = eps?.get(k);
      const entry = p === undefined ? undefined : this.order[p];
      if (p === undefined || entry === undefined) {
        p = this.order.length;
        this.order.push({ serviceKey, portKey: k, svc, eps: list });
        this.pos.set(k, p);
      } else {
        entry.svc = svc;
        entry.eps = list;
      }
      this.bump(p);
    }
    if (this.tombstones > 1024 && this.tombstones * 2 > this.order.length) this.compact();
  }

  private bump(p: number): void {
    const b = Math.floor(p / BLOCK_SIZE);
    this.blockVersions[b] = (this.blockVersions[b] ?? 0) + 1;
  }

  private compact(): void {
    this.order = this.order.filter((k): k is LiveOrderEntry => k !== undefined);
    this.pos.clear();
    this.order.forEach((k, i) => {
      if (k !== undefined) this.pos.set(k.portKey, i);
    });
    this.tombstones = 0;
    this.blockVersions = [];
    this.layoutEpoch++;
  }

  private reindex(serviceKey: string, ports: ServicePorts | undefined, eps: ServiceEndpoints | undefined): void {
    let count = 0;
    let nodes: string[] | undefined;
    let seen: Set<string> | undefined;
    if (eps !== undefined) {
      for (const [k, list] of eps) {
        if (ports?.has(k) === true) count += list.length;
        for (const e of list) {
          const n = e.nodeName;
          if (n === '') continue;
          if (nodes === undefined) nodes = [n];
          else if (seen !== undefined) {
            if (!seen.has(n)) {
              seen.add(n);
              nodes.push(n);
            }
          } else if (!nodes.includes(n)) {
            nodes.push(n);
            // Beyond a few nodes a linear search per endpoint would grow quadratically.
            if (nodes.length > 8) seen = new Set(nodes);
          }
        }
      }
    }
    const rec = this.indexed.get(serviceKey);
    this.total += count - (rec?.count ?? 0);
    const before = rec?.nodes ?? NO_NODES;
    let after = nodes ?? NO_NODES;
    if (before.length !== after.length || before.some((n, i) => n !== after[i])) {
      for (const n of before) this.servicesOnNode.get(n)?.delete(serviceKey);
      for (const n of after) {
        let s = this.servicesOnNode.get(n);
        if (s === undefined) {
          s = new Set();
          this.servicesOnNode.set(n, s);
        }
        s.add(serviceKey);
      }
      // (Kept at exact size: the pushed-to list has slack capacity.)
      if (after.length > 1) after = after.slice();
    } else {
      after = before;
    }
    let sensitive = false;
    for (const p of ports?.values() ?? []) {
      const topo = p.hintsAnnotation !== '' && p.hintsAnnotation !== 'disabled' && p.hintsAnnotation !== 'Disabled';
      if ((p.loadBalancerSourceRanges.length > 0 && p.loadBalancerVIPs.length > 0) || topo) sensitive = true;
    }
    if (sensitive) this.nodeSensitive.add(serviceKey);
    else if (rec?.sensitive === true) this.nodeSensitive.delete(serviceKey);
    if (count === 0 && after.length === 0 && !sensitive) {
      if (rec !== undefined) this.indexed.delete(serviceKey);
    } else if (rec === undefined) {
      this.indexed.set(serviceKey, { count, nodes: after, sensitive });
    } else {
      rec.count = count;
      rec.nodes = after;
      rec.sensitive = sensitive;
    }
  }
}

/** What reindex derived for one Service: its endpoint count, the nodes holding them, node sensitivity. */
interface ServiceIndex {
  count: number;
  nodes: readonly string[];
  sensitive: boolean;
}

const NO_NODES: readonly string[] = [];

function sameObject(a: { metadata?: { resourceVersion?: string } }, b: { metadata?: { resourceVersion?: string } }): boolean {
  if (a === b) return true;
  const ra = a.metadata?.resourceVersion;
  return ra !== undefined && ra !== '' && ra === b.metadata?.resourceVersion;
}
