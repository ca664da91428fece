import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { SharedProxyState } from './shared-state.js';
import { ZONE_LABEL } from './topology.js';
import type { EndpointSliceHandler, ServiceHandler } from './types.js';

/**
 * The Service/EndpointSlice handlers every mode's Proxier shares. In kube-proxy each mode's
 * OnServiceAdd/Update/Delete and OnEndpointSliceAdd/Update/Delete do the same thing: feed the
 * ServiceChangeTracker / EndpointsChangeTracker and leave all rendering to syncProxyRules. Here the
 * trackers live in SharedProxyState (possibly shared by many nodes' proxiers), so the handlers are
 * one-line forwards that no mode overrides; keeping them in one place means a fix to how changes
 * are recorded reaches all four modes. Modes keep their own sync(), onNodeUpdate and rendering.
 */
export abstract class ProxierHandlers implements ServiceHandler, EndpointSliceHandler {
  constructor(protected readonly state: SharedProxyState) {}

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
  /** The old slice is not needed: the tracker keys slices by name and replaces the stored copy. */
  onEndpointSliceUpdate(_oldSlice: EndpointSlice, slice: EndpointSlice): void {
    this.state.applyEndpointSlice(slice, false);
  }
  onEndpointSliceDelete(slice: EndpointSlice): void {
    this.state.applyEndpointSlice(slice, true);
  }
}

/**
 * This node's topology zone, as kube-proxy's OnNodeUpdate tracks it: only the node named by
 * --hostname-override counts, and only its topology.kubernetes.io/zone label matters (topology
 * hints). Each mode decides what a zone change costs (iptables: a full sync; ipvs/nftables: a
 * re-render), so `update` only reports whether the zone changed.
 */
export class NodeZone {
  private current: string | undefined;

  constructor(
    private readonly nodeName: string,
    labels: Readonly<Record<string, string>> | undefined,
  ) {
    this.current = labels?.[ZONE_LABEL];
  }

  get zone(): string | undefined {
    return this.current;
  }

  /** Records `node`'s zone if it is this node; true when the zone changed. Other nodes are ignored. */
  update(node: Node): boolean {
    if (node.metadata?.name !== this.nodeName) return false;
    const zone = node.metadata.labels?.[ZONE_LABEL];
    if (zone === this.current) return false;
    this.current = zone;
    return true;
  }
}
