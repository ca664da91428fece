import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { InputError } from '../lib/index.js';
import type { EndpointInfo } from './endpoint.js';
import { endpointsFingerprint } from './endpoint.js';
import { chainNames, endpointHash } from './hash.js';
import { parseProtocol, servicePortKey, servicePortNameString } from './service-port-name.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Endpoints of one service, per service port key (`ns/name:port/PROTO`), sorted by "ip:port" string. */
export type ServiceEndpoints = ReadonlyMap<string, readonly EndpointInfo[]>;

interface SliceEntry {
  /** per port key → endpoints from this slice */
  readonly ports: Map<string, EndpointInfo[]>;
}

/**
 * The EndpointSlice cache (pkg/proxy/endpointslicecache.go) plus the change tracking of
 * endpoints_tracker.go: slices are merged per Service; each merge yields endpoints per
 * ServicePortName. Only IPv4 slices are used (this is the IPv4 proxier).
 */
export class EndpointsChangeTracker {
  /** serviceKey → sliceName → entry */
  private readonly slices = new Map<string, Map<string, SliceEntry>>();
  /** serviceKey → merged endpoints */
  private readonly merged = new Map<string, ServiceEndpoints>();
  private readonly fingerprints = new Map<string, string>();

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
    let perSvc = this.slices.get(serviceKey);
    if (remove) {
      if (perSvc === undefined || !perSvc.delete(sliceName)) return undefined;
      if (perSvc.size === 0) this.slices.delete(serviceKey);
    } else {
      if (slice.addressType !== 'IPv4') {
        // An IPv4 proxier never sees IPv6 or FQDN slices; treat as deletion of any older IPv4 version.
        if (perSvc === undefined || !perSvc.delete(sliceName)) return undefined;
      } else {
        if (perSvc === undefined) {
          perSvc = new Map();
          this.slices.set(serviceKey, perSvc);
        }
        perSvc.set(sliceName, sliceEntry(slice, ns, svcName));
      }
    }
    return this.remerge(serviceKey);
  }

  private remerge(serviceKey: string): string | undefined {
    const perSvc = this.slices.get(serviceKey);
    const byPort = new Map<string, Map<string, EndpointInfo>>();
    if (perSvc !== undefined) {
      for (const entry of perSvc.values()) {
        for (const [portKey, eps] of entry.ports) {
          let m = byPort.get(portKey);
          if (m === undefined) {
            m = new Map();
            byPort.set(portKey, m);
          }
          for (const ep of eps) {
            // Duplicates across slices merge; an endpoint on a node wins over one without (local wins).
            const prev = m.get(ep.str);
            if (prev === undefined || (prev.nodeName === '' && ep.nodeName !== '')) m.set(ep.str, ep);
          }
        }
      }
    }
    const result = new Map<string, readonly EndpointInfo[]>();
    const fp: string[] = [];
    for (const portKey of [...byPort.keys()].sort()) {
      const m = byPort.get(portKey);
      if (m === undefined || m.size === 0) continue;
      // kube-proxy sorts endpoints by their "ip:port" string (lexicographic, so 10.0.0.10 < 10.0.0.2).
      const eps = [...m.values()].sort((a, b) => (a.str < b.str ? -1 : a.str > b.str ? 1 : 0));
      result.set(portKey, eps);
      fp.push(`${portKey}=${endpointsFingerprint(eps)}\n`);
    }
    const old = this.fingerprints.get(serviceKey) ?? '';
    const now = fp.join('');
    if (result.size === 0) {
      this.merged.delete(serviceKey);
      this.fingerprints.delete(serviceKey);
    } else {
      this.merged.set(serviceKey, result);
      this.fingerprints.set(serviceKey, now);
    }
    return old === now ? undefined : serviceKey;
  }
}

const NO_HINTS: readonly string[] = [];

function sliceEntry(slice: EndpointSlice, ns: string, svcName: string): SliceEntry {
  const ports = new Map<string, EndpointInfo[]>();
  for (const p of slice.ports ?? []) {
    const protocol = parseProtocol(p.protocol);
    // kube-proxy skips ports with a nil port number or protocol (protocol defaults to TCP in the API).
    if (p.port === undefined || protocol === undefined) continue;
    const spn = { namespace: ns, name: svcName, port: p.name ?? '', protocol };
    const portKey = servicePortKey(spn);
    const nameString = servicePortNameString(spn);
    const proto = protocol.toLowerCase();
    const eps: EndpointInfo[] = [];
    for (const e of slice.endpoints) {
      const ip = e.addresses[0];
      if (ip === undefined || ip === '') continue;
      const c = e.conditions ?? {};
      const str = `${ip}:${p.port}`;
      eps.push({
        ip,
        port: p.port,
        str,
        nodeName: e.nodeName ?? '',
        ready: c.ready ?? true,
        serving: c.serving ?? true,
        terminating: c.terminating ?? false,
        zoneHints: e.hints?.forZones === undefined ? NO_HINTS : e.hints.forZones.map((z) => z.name),
        sepChain: chainNames.sep(endpointHash(nameString, proto, str)),
      });
    }
    ports.set(portKey, eps);
  }
  return { ports };
}
