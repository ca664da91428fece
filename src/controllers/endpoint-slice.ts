import type { Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js';
import { isJsonObject, jsonEqual, type KubeObject } from '../api/index.js';
import type { ApiServer } from '../apiserver/index.js';
import type { Informers } from './runtime/informers.js';
import { controllerRef, isPodReady, nsName, podNodeName, podPhase, R, specOf, splitKey, statusOf } from './runtime/objects.js';
import { QueueController } from './runtime/work-queue.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
/** --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
const ZONE_LABEL = 'topology.kubernetes.io/zone';

export const POD_LABEL_INDEX = 'ns-label';
const SVC_SELECTOR_INDEX = 'ns-selector';
export const SLICE_SERVICE_INDEX = 'service';

function pairs(ns: string, labels: Readonly<Record<string, string>> | undefined): readonly string[] {
  if (labels === undefined) return [];
  // A stored label map (frozen) is shared by every pod of a ReplicaSet and by each pod's later versions:
  // its pairs are made once.
  const frozen = Object.isFrozen(labels);
  if (frozen) {
    const known = pairsOf.get(labels);
    if (known?.ns === ns) return known.pairs;
  }
  const out = Object.entries(labels).map(([k, v]) => `${ns}/${k}=${v}`);
  if (frozen) pairsOf.set(labels, { ns, pairs: out });
  return out;
}

const pairsOf = new WeakMap<object, { readonly ns: string; readonly pairs: readonly string[] }>();

export function selectorOf(svc: KubeObject): Record<string, string> | undefined {
  const spec = specOf(svc);
  if (spec['type'] === 'ExternalName') return undefined;
  const sel = spec['selector'];
  if (!isJsonObject(sel) || Object.keys(sel).length === 0) return undefined;
  return sel as Record<string, string>;
}

/** Indexes the EndpointSlice controller (and DNS) need: pods by label, Services by selector, slices by Service. */
export function addEndpointSliceIndexes(informers: Informers): void {
  informers.addIndex(R.pods, POD_LABEL_INDEX, (p) => pairs(p.metadata.namespace ?? '', p.metadata.labels), (p) => p.metadata.labels);
  informers.addIndex(R.services, SVC_SELECTOR_INDEX, (s) => pairs(s.metadata.namespace ?? '', selectorOf(s)));
  informers.addIndex(R.endpointSlices, SLICE_SERVICE_INDEX, (s) => {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    return svc === undefined ? [] : [`${s.metadata.namespace ?? ''}/${svc}`];
  });
}

/** Whether every pair of a map selector is among the labels (a missing or empty selector selects nothing here). */
function selectedBy(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (selector === undefined) return false;
  for (const k in selector) if (labels?.[k] !== selector[k]) return false;
  return true;
}

/** Pods a selector picks, found through the label index. */
export function selectPods(informers: Informers, ns: string, selector: Readonly<Record<string, string>>): KubeObject[] {
  const [first] = Object.entries(selector);
  if (first === undefined) return [];
  const out: KubeObject[] = [];
  for (const p of informers.byIndex(R.pods, POD_LABEL_INDEX, `${ns}/${first[0]}=${first[1]}`)) {
    if (selectedBy(selector, p.metadata.labels)) out.push(p);
  }
  return out;
}

interface ContainerPortLike {
  readonly name?: string;
  readonly containerPort?: number;
  readonly protocol?: string;
}

/** podutil.FindPort: a number as is; a name looked up among the containers' ports with the same protocol. */
function findPort(pod: KubeObject, target: unknown, protocol: string): number | undefined {
  if (typeof target === 'number') return target;
  if (typeof target !== 'string') return undefined;
  if (/^\d+$/.test(target)) return Number(target);
  const containers = specOf(pod)['containers'];
  for (const c of Array.isArray(containers) ? containers : []) {
    for (const p of (isJsonObject(c) && Array.isArray(c['ports']) ? c['ports'] : []) as ContainerPortLike[]) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol && p.containerPort !== undefined) return p.containerPort;
    }
  }
  return undefined;
}

function endpointPorts(svc: KubeObject, pod: KubeObject): EndpointPort[] {
  const out: EndpointPort[] = [];
  const ports = specOf(svc)['ports'];
  for (const sp of Array.isArray(ports) ? ports : []) {
    if (!isJsonObject(sp)) continue;
    const protocol = typeof sp['protocol'] === 'string' ? sp['protocol'] : 'TCP';
    const port = findPort(pod, sp['targetPort'] ?? sp['port'], protocol);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: typeof sp['name'] === 'string' ? sp['name'] : '', port, protocol };
    if (typeof sp['appProtocol'] === 'string') ep.appProtocol = sp['appProtocol'];
    out.push(ep);
  }
  return out;
}

/**
 * The EndpointSlice controller (pkg/controller/endpointslice): for each Service with a selector,
 * the pods it selects that have an IP, as endpoints with conditions (ready = ready and not
 * terminating, serving = ready, terminating), nodeName, zone, hostname (pods naming the Service as
 * subdomain) and targetRef; grouped by how the ports resolve on each pod; at most 100 a slice.
 * Reconciling keeps endpoints in the slice they are in and fills free room before creating a
 * slice (the reconciler's churn-minimising placement); a Service with no endpoints keeps one
 * empty placeholder slice.
 */
export class EndpointSliceController extends QueueController {
  readonly name = 'endpointslice-controller';

  constructor(
    private readonly api: ApiServer,
    private readonly informers: Informers,
    private readonly maxPerSlice = MAX_ENDPOINTS_PER_SLICE,
  ) {
    super();
    informers.on(R.services, (_t, _svc, _old, key) => {
      this.servicesVersion++;
      this.enqueue(key);
    });
    informers.on(R.pods, (_t, pod, old) => {
      const ns = pod.metadata.namespace ?? '';
      // The old labels matter only when they changed (a pod leaving a Service's selector). Each version is
      // matched on its own: a Service the new labels no longer match must still be found through the old ones.
      this.enqueueServicesOf(ns, pod.metadata.labels);
      if (old !== undefined && old.metadata.labels !== pod.metadata.labels) this.enqueueServicesOf(ns, old.metadata.labels);
    });
    informers.on(R.endpointSlices, (type, slice) => {
      // Someone else deleted or edited a managed slice: put it back as it should be.
      if (slice.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) return;
      const svc = slice.metadata.labels[SERVICE_NAME_LABEL];
      if (svc !== undefined && type === 'DELETED') this.enqueue(`${slice.metadata.namespace ?? ''}/${svc}`);
    });
  }

  /** Bumped by every Service event: the matches remembered for a label map hold only while it is unchanged. */
  private servicesVersion = 0;
  /**
   * The Services a frozen label map matched, by the map (shared by every pod of a ReplicaSet and by each pod's
   * later versions): the pods' create, bind and status events of a whole ReplicaSet look the Services up once.
   */
  private readonly matched = new WeakMap<object, { readonly version: number; readonly ns: string; readonly keys: readonly string[] }>();

  /** Queues every Service in `ns` whose selector the labels match, found through the selector index. */
  private enqueueServicesOf(ns: string, labels: Readonly<Record<string, string>> | undefined): void {
    if (labels === undefined) return;
    const frozen = Object.isFrozen(labels);
    const known = frozen ? this.matched.get(labels) : undefined;
    if (known !== undefined && known.version === this.servicesVersion && known.ns === ns) {
      for (const k of known.keys) this.enqueue(k);
      return;
    }
    const keys: string[] = [];
    for (const pair of pairs(ns, labels)) {
      for (const svc of this.informers.byIndex(R.services, SVC_SELECTOR_INDEX, pair)) {
        if (selectedBy(selectorOf(svc), labels)) keys.push(nsName(svc));
      }
    }
    for (const k of keys) this.enqueue(k);
    if (frozen) this.matched.set(labels, { version: this.servicesVersion, ns, keys });
  }

  private endpointFor(svc: KubeObject, pod: KubeObject): Endpoint | undefined {
    const ip = statusOf(pod)['podIP'];
    const phase = podPhase(pod);
    if (typeof ip !== 'string' || ip === '' || phase === 'Succeeded' || phase === 'Failed') return undefined;
    const publish = specOf(svc)['publishNotReadyAddresses'] === true;
    const ready = publish || isPodReady(pod);
    const terminating = pod.metadata.deletionTimestamp !== undefined;
    const ep: Endpoint = {
      addresses: [ip],
      conditions: { ready: publish || (ready && !terminating), serving: ready, terminating },
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
    };
    const node = podNodeName(pod);
    if (node !== '') {
      ep.nodeName = node;
      const zone = this.informers.get(R.nodes, '', node)?.metadata.labels?.[ZONE_LABEL];
      if (zone !== undefined) ep.zone = zone;
    }
    const ps = specOf(pod);
    if (typeof ps['hostname'] === 'string' && ps['hostname'] !== '' && ps['subdomain'] === svc.metadata.name) ep.hostname = ps['hostname'];
    return ep;
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const svc = this.informers.get(R.services, ns, name);
    const existing = [...this.informers.byIndex(R.endpointSlices, SLICE_SERVICE_INDEX, key)].filter((s) => s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY);
    const selector = svc === undefined ? undefined : selectorOf(svc);
    if (svc === undefined || selector === undefined) {
      for (const s of existing) await this.api.delete(R.endpointSlices, ns, s.metadata.name ?? '');
      return;
    }
    // Desired endpoints by port group, keyed by pod name.
    const groups = new Map<string, { ports: EndpointPort[]; eps: Map<string, Endpoint> }>();
    // Pods of one template share their (frozen) containers list, so their ports resolve alike: once per list.
    const resolved = new Map<unknown, { ports: EndpointPort[]; gk: string }>();
    for (const pod of selectPods(this.informers, ns, selector).sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1))) {
      const ep = this.endpointFor(svc, pod);
      if (ep === undefined) continue;
      const containers = specOf(pod)['containers'];
      const shared = Object.isFrozen(containers) ? containers : undefined;
      let r = shared === undefined ? undefined : resolved.get(shared);
      if (r === undefined) {
        const p = endpointPorts(svc, pod);
        r = { ports: p, gk: JSON.stringify(p) };
        if (shared !== undefined) resolved.set(shared, r);
      }
      const { ports, gk } = r;
      let g = groups.get(gk);
      if (g === undefined) {
        g = { ports, eps: new Map() };
        groups.set(gk, g);
      }
      g.eps.set(pod.metadata.name ?? '', ep);
    }
    // Each port group's key (its ports as JSON) is made once per sync, not once per endpoint.
    const writes: { slice: KubeObject | undefined; ports: EndpointPort[]; key: string; endpoints: Endpoint[] }[] = [];
    const placed = new Set<string>();
    for (const s of existing) {
      const ports = (Array.isArray(s['ports']) ? s['ports'] : []) as EndpointPort[];
      const key = JSON.stringify(ports);
      const g = groups.get(key);
      const kept: Endpoint[] = [];
      for (const e of (Array.isArray(s['endpoints']) ? s['endpoints'] : []) as Endpoint[]) {
        const pod = e.targetRef?.name ?? '';
        const want = g?.eps.get(pod);
        const at = `${key}|${pod}`;
        if (want === undefined || placed.has(at)) continue;
        placed.add(at);
        // An endpoint that has not changed stays the stored (frozen) object: nothing new to freeze or compare.
        kept.push(jsonEqual(want, e) ? e : want);
      }
      writes.push({ slice: s, ports, key, endpoints: kept });
    }
    for (const [gk, g] of groups) {
      for (const [pod, ep] of g.eps) {
        if (placed.has(`${gk}|${pod}`)) continue;
        let w = writes.find((x) => x.key === gk && x.endpoints.length < this.maxPerSlice);
        if (w === undefined) {
          w = { slice: undefined, ports: g.ports, key: gk, endpoints: [] };
          writes.push(w);
        }
        w.endpoints.push(ep);
      }
    }
    // A new slice reuses an emptied one (e.g. the placeholder) rather than create one and delete the other.
    const spare = writes.filter((w) => w.slice !== undefined && w.endpoints.length === 0);
    for (const w of writes) {
      if (w.slice !== undefined || w.endpoints.length === 0) continue;
      const s = spare.shift();
      if (s === undefined) break;
      w.slice = s.slice;
      s.slice = undefined;
    }
    let live = writes.filter((w) => w.endpoints.length > 0);
    if (live.length === 0) {
      // The placeholder: one slice without endpoints or ports, so consumers see the Service has none.
      const keep = writes.find((w) => w.slice !== undefined && w.ports.length === 0) ?? writes[0];
      live = [{ slice: keep?.slice, ports: [], key: '[]', endpoints: [] }];
    }
    for (const w of writes) if (w.slice !== undefined && !live.some((l) => l.slice === w.slice)) await this.api.delete(R.endpointSlices, ns, w.slice.metadata.name ?? '');
    for (const w of live) await this.write(svc, w.slice, w.ports, w.endpoints);
  }

  private async write(svc: KubeObject, slice: KubeObject | undefined, ports: EndpointPort[], endpoints: Endpoint[]): Promise<void> {
    const ns = svc.metadata.namespace ?? '';
    const labels = { ...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: svc.metadata.name ?? '', [MANAGED_BY_LABEL]: MANAGED_BY };
    const body: KubeObject = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: slice === undefined ? { generateName: `${svc.metadata.name ?? ''}-`, labels, ownerReferences: [controllerRef(svc)] } : { ...slice.metadata, labels, ownerReferences: [controllerRef(svc)] },
      addressType: 'IPv4',
      endpoints,
      ports,
    };
    if (slice === undefined) {
      await this.api.create(R.endpointSlices, ns, body, { owned: true });
      return;
    }
    if (jsonEqual(body['endpoints'], slice['endpoints']) && jsonEqual(body['ports'], slice['ports']) && jsonEqual(body.metadata.labels, slice.metadata.labels) && jsonEqual(body.metadata.ownerReferences, slice.metadata.ownerReferences)) return;
    await this.api.update(R.endpointSlices, ns, slice.metadata.name ?? '', body, { owned: true });
  }
}
