import { groupVersion, registeredResource, type ReadonlyKubeObject, type ResourceType } from '../api/index.js';
import type { ApiServer } from './api-server.js';
import { isApiError } from './errors.js';

const EVENTS = registeredResource('', 'events');

export type EventKind = 'Normal' | 'Warning';

/** Who records: source.component and source.host of the legacy recorder, or the events.k8s.io reporting controller. */
export interface EventSource {
  readonly component: string;
  readonly host?: string;
  /**
   * 'events.k8s.io': the scheduler's style (events/v1 broadcaster): eventTime, reportingController and
   * action, no firstTimestamp/lastTimestamp/count. Otherwise the legacy core/v1 recorder of kubelets and controllers.
   */
  readonly style?: 'core' | 'events.k8s.io';
  readonly reportingInstance?: string;
}

/** What an Event is about: the involved object's reference (reference.GetReference). */
export interface InvolvedObject {
  readonly r: ResourceType;
  readonly obj: ReadonlyKubeObject;
}

/** The correlator's cache of recent events: the real one is an LRU of 4096 entries. */
const CACHE_SIZE = 4096;

/** metav1.MicroTime text: RFC 3339 with six fractional digits (an Event's eventTime, a Lease's renewTime). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/**
 * An event recorder as client-go's tools/record and tools/events write Events: named
 * `<object>.<hex nanoseconds>`, in the object's namespace (`default` for a cluster-scoped one), an
 * identical repeat (same object, type, reason and message) counted on the first Event instead of a new
 * one (the EventCorrelator's aggregation). Recording is best effort, as in a real component: a refused
 * write is dropped, never the component's failure.
 */
export class EventRecorder {
  /** The Event each recent (object, type, reason, message) was recorded as. */
  private readonly recent = new Map<string, { name: string; namespace: string }>();
  /** Nanoseconds of the last name handed out: a simulated clock can stand still, names must not repeat. */
  private lastNs = 0n;

  constructor(
    private readonly api: ApiServer,
    private readonly source: EventSource,
  ) {}

  async record(about: InvolvedObject, type: EventKind, reason: string, message: string, action?: string): Promise<void> {
    try {
      await this.write(about, type, reason, message, action);
    } catch (e) {
      if (!isApiError(e)) throw e;
    }
  }

  private async write(about: InvolvedObject, type: EventKind, reason: string, message: string, action: string | undefined): Promise<void> {
    const { r, obj } = about;
    const meta = obj.metadata;
    const namespace = r.namespaced ? (meta.namespace ?? 'default') : 'default';
    const key = `${meta.uid ?? ''}\u0000${type}\u0000${reason}\u0000${message}`;
    const ms = this.api.nowMs();
    const seen = this.recent.get(key);
    if (seen !== undefined && this.source.style !== 'events.k8s.io') {
      try {
        const cur = await this.api.get(EVENTS, seen.namespace, seen.name);
        const count = typeof cur['count'] === 'number' ? cur['count'] : 1;
        await this.api.update(EVENTS, seen.namespace, seen.name, { ...cur, count: count + 1, lastTimestamp: this.api.now() });
        return;
      } catch (e) {
        if (!(isApiError(e) && e.status.code === 404)) throw e;
        this.recent.delete(key);
      }
    }
    let ns = BigInt(ms) * 1_000_000n;
    if (ns <= this.lastNs) ns = this.lastNs + 1n;
    this.lastNs = ns;
    const name = `${meta.name ?? ''}.${ns.toString(16)}`;
    const involvedObject = {
      kind: r.kind,
      ...(r.namespaced ? { namespace } : {}),
      name: meta.name ?? '',
      uid: meta.uid ?? '',
      apiVersion: groupVersion(r),
      resourceVersion: meta.resourceVersion ?? '',
    };
    const common = { apiVersion: 'v1', kind: 'Event', metadata: { name, namespace }, involvedObject, reason, message, type };
    const body =
      this.source.style === 'events.k8s.io'
        ? { ...common, source: {}, eventTime: microTime(ms), action: action ?? '', reportingComponent: this.source.component, reportingInstance: this.source.reportingInstance ?? '' }
        : {
            ...common,
            source: this.source.host === undefined ? { component: this.source.component } : { component: this.source.component, host: this.source.host },
            firstTimestamp: this.api.now(),
            lastTimestamp: this.api.now(),
            count: 1,
            reportingComponent: this.source.component,
            reportingInstance: this.source.host ?? '',
          };
    await this.api.create(EVENTS, namespace, body);
    this.recent.set(key, { name, namespace });
    if (this.recent.size > CACHE_SIZE) {
      const oldest = this.recent.keys().next();
      if (oldest.done !== true) this.recent.delete(oldest.value);
    }
  }
}
