import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { InputError } from '../lib/index.js';
import type { EndpointInfo } from './endpoint.js';
import { sameEndpoints } from './endpoint.js';
import { sepChainName } from './hash.js';
import { parseProtocol, servicePortKey, servicePortNameString } from './service-port-name.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Endpoints of one service, per service port key (`ns/name:port/PROTO`), sorted by "ip:port" string. */
export type ServiceEndpoints = ReadonlyMap<string, readonly EndpointInfo[]>;

/** One port of one slice: its key and the slice's endpoints for it (slice order). */
interface SlicePort {
  readonly portKey: string;
  eps: readonly EndpointInfo[];
}

/** A slice's ports in spec order (a later port with the same key replaced the earlier one's endpoints). */
type SliceEntry = readonly SlicePort[];

/**
 * The slices of one Service. Most Services have one slice (up to 100 endpoints), kept as a pair
 * instead of a Map per Service (a Map and its table are ~200 bytes, kept for every Service).
 */
type ServiceSlices = { readonly name: string; readonly entry: SliceEntry } | Map<string, SliceEntry>;

/**
 * The EndpointSlice cache (pkg/proxy/endpointslicecache.go) plus the change tracking of
 * endpoints_tracker.go: slices are merged per Service; each merge yields endpoints per
 * ServicePortName. Only IPv4 slices are used (this is the IPv4 proxier).
 */
export class EndpointsChangeTracker {
  /** serviceKey → sliceName → entry */
  private readonly slices = new Map<string, ServiceSlices>();
  /** serviceKey → merged endpoints */
  private readonly merged = new Map<string, ServiceEndpoints>();

  /** Current endpoints of every service. */
  get endpointsByService(): ReadonlyMap<string, ServiceEndpoints> {
    return this.merged;
  }

  endpointsFor(serviceKey: string, portKey: string): readonly EndpointInfo[] | undefined {
    return this.merged.get(serviceKey)?.get(portKey);
  }

  /**
   * Applies an add/update (`remove` false) or delete of a slice. Returns the service key whose
   * merged endpoints changed, or undefined if nothing observable changed (no-op update).
   * Throws InputError KW_PROXY_BAD_ENDPOINTSLICE for a slice without namespace or service label.
   */
  update(slice: EndpointSlice, remove: boolean): string | undefined {
    const ns = slice.metadata?.namespace;
    const svcName = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    const sliceName = slice.metadata?.name ?? '';
    if (ns === undefined || ns === '' || svcName === undefined || svcName === '') {
      throw new InputError(
        'KW_PROXY_BAD_ENDPOINTSLICE',
        `EndpointSlice "${sliceName}" needs metadata.namespace and label ${SERVICE_NAME_LABEL} (kube-proxy ignores slices it cannot map to a Service)`,
        { where: `EndpointSlice ${ns ?? '?'}/${sliceName}` },
      );
    }
    const serviceKey = `${ns}/${svcName}`;
    if (remove || slice.addressType !== 'IPv4') {
      // An IPv4 proxier never sees IPv6 or FQDN slices; one is the deletion of any older IPv4 version.
      if (!this.deleteSlice(serviceKey, sliceName)) return undefined;
    } else {
      this.setSlice(serviceKey, sliceName, sliceEntry(slice, ns, svcName));
    }
    return this.remerge(serviceKey);
  }

  private deleteSlice(serviceKey: string, sliceName: string): boolean {
    const cur = this.slices.get(serviceKey);
    if (cur === undefined) return false;
    if (!(cur instanceof Map)) {
      if (cur.name !== sliceName) return false;
      this.slices.delete(serviceKey);
      return true;
    }
    if (!cur.delete(sliceName)) return false;
    if (cur.size === 0) this.slices.delete(serviceKey);
    return true;
  }

  private setSlice(serviceKey: string, sliceName: string, entry: SliceEntry): void {
    const cur = this.slices.get(serviceKey);
    if (cur === undefined || (!(cur instanceof Map) && cur.name === sliceName)) {
      this.slices.set(serviceKey, { name: sliceName, entry });
    } else if (cur instanceof Map) {
      cur.set(sliceName, entry);
    } else {
      // A second slice: a Map, first slice first (merge order is slice order).
      this.slices.set(serviceKey, new Map([[cur.name, cur.entry], [sliceName, entry]]));
    }
  }

  private remerge(serviceKey: string): string | undefined {
    const perSvc = this.slices.get(serviceKey);
    const entries = perSvc === undefined ? [] : perSvc instanceof Map ? perSvc.values() : [perSvc.entry];
    // Endpoint lists per port key, from every slice in slice order.
    const byPort = new Map<string, (readonly EndpointInfo[])[]>();
    for (const entry of entries) {
      for (const { portKey, eps } of entry) {
        const lists = byPort.get(portKey);
        if (lists === undefined) byPort.set(portKey, [eps]);
        else lists.push(eps);
      }
    }
    const keys = [...byPort.keys()];
    if (keys.length > 1) keys.sort();
    const result = new Map<string, readonly EndpointInfo[]>();
    for (const portKey of keys) {
      const lists = byPort.get(portKey) ?? [];
      const eps = mergeEndpoints(lists.length === 1 ? (lists[0] ?? []) : lists.flat());
      if (eps.length > 0) result.set(portKey, eps);
    }
    const old = this.merged.get(serviceKey);
    // Unchanged (compared field by field): the stored lists stay, so caches keyed on them stay valid.
    if (sameServiceEndpoints(old, result)) return undefined;
    if (result.size === 0) this.merged.delete(serviceKey);
    else this.merged.set(serviceKey, result);
    return serviceKey;
  }
}

/**
 * One port's endpoints from all slices (in slice order), as kube-proxy merges them: sorted by their
 * "ip:port" string (lexicographic, so 10.0.0.10 < 10.0.0.2); of duplicates the first is kept unless a
 * later one has a node and it has none (local wins). The sort is stable, so duplicates stay in
 * slice order next to each other.
 */
function mergeEndpoints(all: readonly EndpointInfo[]): readonly EndpointInfo[] {
  // Already in order without duplicates (one slice, as an EndpointSlice controller writes them
  // most of the time): the list itself, no sorted copy kept per service port.
  if (strictlyOrdered(all)) return all;
  const sorted = all.slice().sort(byStr);
  let n = 0;
  for (let i = 0; i < sorted.length; i++) {
    const ep = sorted[i] as EndpointInfo;
    const prev = n > 0 ? sorted[n - 1] : undefined;
    if (prev !== undefined && prev.str === ep.str) {
      if (prev.nodeName === '' && ep.nodeName !== '') sorted[n - 1] = ep;
      continue;
    }
    sorted[n++] = ep;
  }
  sorted.length = n;
  return sorted;
}

function strictlyOrdered(eps: readonly EndpointInfo[]): boolean {
  for (let i = 1; i < eps.length; i++) if (!((eps[i - 1] as EndpointInfo).str < (eps[i] as EndpointInfo).str)) return false;
  return true;
}

function byStr(a: EndpointInfo, b: EndpointInfo): number {
  return a.str < b.str ? -1 : a.str > b.str ? 1 : 0;
}

function sameServiceEndpoints(old: ServiceEndpoints | undefined, now: ServiceEndpoints): boolean {
  if ((old?.size ?? 0) !== now.size) return false;
  if (old === undefined) return true;
  const it = old.entries();
  for (const [k, eps] of now) {
    const o = it.next();
    if (o.done === true || o.value[0] !== k || !sameEndpoints(o.value[1], eps)) return false;
  }
  return true;
}

const NO_HINTS: readonly string[] = [];

function sliceEntry(slice: EndpointSlice, ns: string, svcName: string): SliceEntry {
  const specPorts = slice.ports ?? [];
  const ports: SlicePort[] = new Array<SlicePort>(specPorts.length);
  let m = 0;
  for (const p of specPorts) {
    const protocol = parseProtocol(p.protocol);
    // kube-proxy skips ports with a nil port number or protocol (protocol defaults to TCP in the API).
    if (p.port === undefined || protocol === undefined) continue;
    const spn = { namespace: ns, name: svcName, port: p.name ?? '', protocol };
    const portKey = servicePortKey(spn);
    const nameString = servicePortNameString(spn);
    const proto = protocol.toLowerCase();
    // Exact size (the endpoints without an address are rare): a pushed-to array keeps slack capacity.
    const eps: EndpointInfo[] = new Array<EndpointInfo>(slice.endpoints.length);
    let n = 0;
    for (const e of slice.endpoints) {
      const ip = e.addresses[0];
      if (ip === undefined || ip === '') continue;
      const c = e.conditions ?? {};
      // Flat (joined), not a rope: rules copy it (DNAT target, SVC comments).
      const str = [ip, ':', p.port].join('');
      eps[n++] = {
        ip,
        port: p.port,
        str,
        nodeName: e.nodeName ?? '',
        ready: c.ready ?? true,
        serving: c.serving ?? true,
        terminating: c.terminating ?? false,
        zoneHints: e.hints?.forZones === undefined ? NO_HINTS : e.hints.forZones.map((z) => z.name),
        sepChain: sepChainName(nameString, proto, str),
      };
    }
    if (n < eps.length) eps.length = n;
    let same: SlicePort | undefined;
    for (let i = 0; i < m; i++) if (ports[i]?.portKey === portKey) same = ports[i];
    if (same === undefined) ports[m++] = { portKey, eps };
    else same.eps = eps;
  }
  if (m < ports.length) ports.length = m;
  return ports;
}
