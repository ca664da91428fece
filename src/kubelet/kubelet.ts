import type { Container, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { deepFreeze, isJsonObject, jsonEqual, registeredResource, type KubeObject, type ReadonlyKubeObject, type ResourceType } from '../api/index.js';
import { EventRecorder, isApiError, rfc3339, type ApiServer } from '../apiserver/index.js';
import { isKubewireError, type Clock } from '../lib/index.js';
import { NodeLease } from './node-lease.js';
import { nodeObject, nodeStatus, type NodeRegistration } from './node-object.js';
import type { HostPortMapping, PodNetwork, Sandbox, SandboxRequest } from './pod-network.js';
import { evaluateReadiness, READINESS_ANNOTATION } from './probes.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface KubeletOptions {
  readonly api: ApiServer;
  readonly node: NodeRegistration;
  readonly network: PodNetwork;
  readonly clock: Clock;
  /** The pod lister (an informer's cache). */
  readonly getPod: (namespace: string, name: string) => Pod | undefined;
  /** The same lister by "namespace/name" (the kubelet's own queue key), when it can look a key up as is. */
  readonly getPodByKey?: (key: string) => Pod | undefined;
  /** A timer on the simulated clock, to re-probe when initialDelaySeconds runs out. */
  readonly after?: (ms: number, fn: () => void) => void;
}

const rt = (plural: string): ResourceType => registeredResource('', plural);

/**
 * Status parts every pod of a node (or of the cluster) reports alike, made once and frozen: a True condition
 * with its transition time, the node's hostIPs, a running state with its start time. The stored pods share
 * them as they share their template's parts (stored objects are deep-frozen; nobody writes into them), so a
 * 150,000-pod cluster does not keep 150,000 copies of each, and freezing and comparing a status meets them
 * already frozen and identical. The simulated clock stands still through a burst of pods, so a cache of the
 * last time seen holds nearly every hit.
 */
class SharedStatusParts {
  private at = '';
  /** By status, then type: the keys are the callers' own constant strings, no key is built per lookup. */
  private readonly conditions = { True: new Map<string, PodCondition>(), False: new Map<string, PodCondition>() };
  private stateAt = '';
  private state: unknown = undefined;

  condition(type: string, status: 'True' | 'False', lastTransitionTime: string): PodCondition {
    if (lastTransitionTime !== this.at) {
      this.at = lastTransitionTime;
      this.conditions.True.clear();
      this.conditions.False.clear();
    }
    const byType = status === 'True' ? this.conditions.True : this.conditions.False;
    let c = byType.get(type);
    if (c === undefined) {
      c = deepFreeze<PodCondition>({ type, status, lastTransitionTime });
      byType.set(type, c);
    }
    return c;
  }

  runningState(startedAt: string): unknown {
    if (startedAt !== this.stateAt) {
      this.stateAt = startedAt;
      this.state = deepFreeze({ running: { startedAt } });
    }
    return this.state;
  }
}

const shared = new SharedStatusParts();

/** kubetypes.PodConditionByKubelet: the condition types the kubelet writes; any other is someone else's. */
const KUBELET_CONDITIONS: ReadonlySet<string> = new Set(['PodScheduled', 'Ready', 'Initialized', 'ContainersReady', 'PodReadyToStartContainers']);

/**
 * mergePodStatus: conditions the kubelet does not own (an eviction's DisruptionTarget, a readiness gate's condition
 * set by its controller) are kept from the stored status, ahead of the kubelet's own, instead of being dropped by
 * the next status write.
 */
function withForeignConditions(prev: readonly PodCondition[], own: PodCondition[]): PodCondition[] {
  let foreign: PodCondition[] | undefined;
  for (const c of prev) if (!KUBELET_CONDITIONS.has(c.type)) (foreign ??= []).push(c);
  return foreign === undefined ? own : [...foreign, ...own];
}

interface Running {
  readonly uid: string;
  /** containerd's container id prefix: the pod uid without dashes (made once, not per status). */
  readonly idPrefix: string;
  readonly sandbox: Sandbox | undefined;
  readonly startedAt: number;
}

/**
 * The kubelet of one node: registers its Node, syncs every pod bound to it (pod workers): creates
 * the sandbox and its network through the PodNetwork (CNI ADD), reports phase Running, the pod IP,
 * container statuses and the Ready conditions from the modelled readiness probes; on deletion
 * tears the network down (CNI DEL) and removes the pod with grace 0, as the kubelet's status
 * manager does once containers have stopped. stop() is a node failure: nothing happens on the
 * node any more and its lease goes stale. Driven by the control loop (pending/step).
 */
export class Kubelet {
  readonly name: string;
  private readonly pods = rt('pods');
  private readonly nodes = rt('nodes');
  private readonly queue = new Set<string>();
  private readonly running = new Map<string, Running>();
  /**
   * The resourceVersion each pod got from this kubelet's own last status write. The watch brings that write
   * back as an update; with nothing else changed there is nothing to sync (the real kubelet's config source
   * treats a status-only update as a reconcile, not a pod sync). Probe timers force a sync regardless.
   */
  private readonly echoes = new Map<string, string>();
  private readonly forced = new Set<string>();
  private stoppedAt: number | undefined;
  /** status.hostIPs: the same for every pod of the node, so one frozen list for all of them. */
  private readonly hostIPs: readonly { readonly ip: string }[];
  /** Sandboxes that could not be created, with the error (FailedCreatePodSandBox). */
  readonly failures = new Map<string, string>();
  private readonly lease: NodeLease;
  /** The kubelet's legacy recorder: source component kubelet, host the node. */
  private readonly events: EventRecorder;
  /** The registered Node's uid, for the lease's owner reference. */
  private nodeUid: string | undefined;

  constructor(private readonly opts: KubeletOptions) {
    this.name = `kubelet/${opts.node.name}`;
    this.hostIPs = deepFreeze([{ ip: opts.node.ip }]);
    this.lease = new NodeLease(opts.api, opts.clock, opts.node.name);
    this.events = new EventRecorder(opts.api, { component: 'kubelet', host: opts.node.name });
  }

  get nodeName(): string {
    return this.opts.node.name;
  }

  get isRunning(): boolean {
    return this.stoppedAt === undefined;
  }

  /** The lease renewal time: now while running (renewed every 10 s in reality), frozen once stopped. */
  heartbeat(): number {
    return this.stoppedAt ?? this.opts.clock.now();
  }

  /** registerWithAPIServer: creates the Node, or posts a fresh Ready status when it exists. */
  async register(): Promise<void> {
    const now = rfc3339(this.opts.clock.now());
    let node: ReadonlyKubeObject | undefined;
    const cur = await this.opts.api.find(this.nodes, '', this.nodeName);
    if (cur !== undefined) {
      const st = isJsonObject(cur['status']) ? cur['status'] : {};
      const cap = isJsonObject(st['capacity']) ? (st['capacity'] as Record<string, string>) : { cpu: '8', memory: '32Gi', pods: '110' };
      try {
        node = await this.opts.api.update(this.nodes, '', this.nodeName, { ...cur, status: nodeStatus(this.opts.node, cap, now) }, { subresource: 'status' });
      } catch (e) {
        if (!(isApiError(e) && e.status.code === 404)) throw e;
      }
    }
    node ??= await this.opts.api.create(this.nodes, '', nodeObject(this.opts.node, now));
    this.nodeUid = node.metadata.uid;
    // The lease controller starts with the kubelet and writes at once.
    await this.lease.sync(this.nodeUid);
  }

  /** A pod event from the informer (with its "namespace/name" cache key when the caller has it); only pods bound to this node matter. */
  onPod(_type: EventType, pod: Pod, key?: string): void {
    if (pod.spec?.nodeName !== this.nodeName) return;
    const k = key ?? `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    // Our own status write coming back: a sync would find exactly this pod and stop at the echo check (the pod is
    // running and nothing forces it), so it is not queued at all. A later event for the pod still queues it.
    if (this.isEcho(k, pod)) return;
    this.queue.add(k);
  }

  /** Whether the pod is this kubelet's own last status write of a running, unforced pod (syncPod would do nothing). */
  private isEcho(key: string, pod: Pod): boolean {
    const rv = pod.metadata?.resourceVersion;
    return rv !== undefined && this.echoes.get(key) === rv && !this.forced.has(key) && this.running.has(key);
  }

  /** Node failure: the kubelet stops; sandboxes stay as they are. */
  stop(): void {
    this.stoppedAt ??= this.opts.clock.now();
  }

  /** The node is back: re-register and resync every pod it holds. */
  async start(podKeys: Iterable<string>): Promise<void> {
    this.stoppedAt = undefined;
    this.echoes.clear();
    this.lease.reset();
    await this.register();
    for (const k of podKeys) this.queue.add(k);
    for (const k of this.running.keys()) this.queue.add(k);
  }

  pending(): boolean {
    return this.isRunning && (this.queue.size > 0 || this.lease.due());
  }

  async step(): Promise<boolean> {
    if (!this.pending()) return false;
    if (this.lease.due()) await this.lease.sync(this.nodeUid);
    const batch = [...this.queue];
    this.queue.clear();
    for (const key of batch) await this.syncPod(key);
    return true;
  }

  /** The sandbox of a running pod, if any. */
  sandboxOf(key: string): Sandbox | undefined {
    return this.running.get(key)?.sandbox;
  }

  private request(key: string, uid: string, pod?: Pod): SandboxRequest {
    const i = key.indexOf('/');
    const req = { namespace: key.slice(0, i), name: key.slice(i + 1), uid, node: this.nodeName };
    const portMappings = pod === undefined ? [] : hostPortMappings(pod);
    return portMappings.length === 0 ? req : { ...req, portMappings };
  }

  private async kill(key: string): Promise<void> {
    const r = this.running.get(key);
    if (r === undefined) return;
    if (r.sandbox !== undefined) await this.opts.network.tearDown(this.request(key, r.uid));
    this.running.delete(key);
    this.echoes.delete(key);
  }

  private async syncPod(key: string): Promise<void> {
    const i = key.indexOf('/');
    const pod = this.opts.getPodByKey === undefined ? this.opts.getPod(key.slice(0, i), key.slice(i + 1)) : this.opts.getPodByKey(key);
    const r = this.running.get(key);
    if (pod === undefined || pod.spec?.nodeName !== this.nodeName) {
      await this.kill(key);
      return;
    }
    const uid = pod.metadata?.uid ?? '';
    const forced = this.forced.delete(key);
    if (!forced && r !== undefined && this.echoes.get(key) === pod.metadata?.resourceVersion) return; // our own write, back
    if (r !== undefined && r.uid !== uid) await this.kill(key);
    if (pod.metadata?.deletionTimestamp !== undefined) {
      await this.kill(key);
      try {
        await this.opts.api.delete(this.pods, key.slice(0, i), key.slice(i + 1), { gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (e) {
        if (!isApiError(e)) throw e;
      }
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    let run = this.running.get(key);
    if (run === undefined) {
      let sandbox: Sandbox | undefined;
      if (pod.spec?.hostNetwork !== true) {
        try {
          sandbox = await this.opts.network.setUp(this.request(key, uid, pod));
          this.failures.delete(key);
        } catch (e) {
          if (!isKubewireError(e)) throw e;
          this.failures.set(key, e.message);
          await this.writeStatus(pod, this.creatingStatus(pod, e.message));
          // What `kubectl describe pod` shows for a CNI ADD that failed (an exhausted pool, a plugin error).
          await this.events.record({ r: this.pods, obj: pod as KubeObject }, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${e.message}`);
          return;
        }
      }
      run = { uid, idPrefix: `containerd://${uid.replaceAll('-', '')}`, sandbox, startedAt: this.opts.clock.now() };
      this.running.set(key, run);
    }
    const stored = await this.writeStatus(pod, this.runningStatus(key, pod, run));
    if (stored !== undefined) this.echoes.set(key, stored);
  }

  private creatingStatus(pod: Pod, message: string): Record<string, unknown> {
    const st = { ...(pod.status ?? {}) } as Record<string, unknown>;
    st['hostIP'] = this.opts.node.ip;
    st['hostIPs'] = [{ ip: this.opts.node.ip }];
    st['containerStatuses'] = (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason: 'ContainerCreating', message: `Failed to create pod sandbox: ${message}` } },
    }));
    return st;
  }

  private runningStatus(key: string, pod: Pod, run: Running): Record<string, unknown> {
    const now = this.opts.clock.now();
    const override = pod.metadata?.annotations?.[READINESS_ANNOTATION];
    const started = rfc3339(run.startedAt);
    const containers: Container[] = pod.spec?.containers ?? [];
    let allReady = true;
    const statuses = containers.map((c) => {
      const r = evaluateReadiness(c, run.startedAt, now, override);
      if (r.recheckAt !== undefined) {
        this.opts.after?.(r.recheckAt - now, () => {
          this.forced.add(key);
          this.queue.add(key);
        });
      }
      if (!r.ready) allReady = false;
      return {
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        containerID: run.idPrefix + c.name,
        ready: r.ready,
        started: true,
        restartCount: 0,
        state: shared.runningState(started),
      };
    });
    const ip = run.sandbox?.ip ?? this.opts.node.ip;
    const prev = pod.status?.conditions ?? [];
    const nowText = rfc3339(now);
    const cond = (type: string, ok: boolean): PodCondition => {
      const status = ok ? 'True' : 'False';
      let old: PodCondition | undefined;
      for (const c of prev) {
        if (c.type === type) {
          old = c;
          break;
        }
      }
      const lastTransitionTime = old?.status === status ? (old.lastTransitionTime ?? nowText) : nowText;
      if (ok || (type !== 'Ready' && type !== 'ContainersReady')) return shared.condition(type, status, lastTransitionTime);
      return {
        type,
        status,
        lastTransitionTime,
        reason: 'ContainersNotReady',
        message: `containers with unready status: [${statuses.filter((s) => !s.ready).map((s) => s.name).join(' ')}]`,
      };
    };
    return {
      ...(pod.status ?? {}),
      phase: 'Running',
      conditions: withForeignConditions(prev, [cond('PodReadyToStartContainers', true), cond('Initialized', true), cond('Ready', allReady), cond('ContainersReady', allReady), cond('PodScheduled', true)]),
      hostIP: this.opts.node.ip,
      hostIPs: this.hostIPs,
      podIP: ip,
      podIPs: [{ ip }],
      startTime: pod.status?.startTime ?? started,
      containerStatuses: statuses,
    };
  }

  /** Posts the status unless it is what the pod has; returns the stored pod's resourceVersion when it wrote. */
  private async writeStatus(pod: Pod, status: Record<string, unknown>): Promise<string | undefined> {
    if (jsonEqual(status, pod.status)) return undefined;
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    try {
      const stored = await this.opts.api.update(this.pods, ns, name, { ...(pod as unknown as KubeObject), status }, { subresource: 'status', owned: true });
      return stored.metadata.resourceVersion;
    } catch (e) {
      if (!isApiError(e)) throw e;
      // A conflict means a newer pod is on its way through the informer; it will queue us again.
      if (e.status.code === 409) this.queue.add(`${ns}/${name}`);
      return undefined;
    }
  }
}

/**
 * The sandbox config's port mappings (kubelet's generatePodSandboxConfig): every container port with a hostPort,
 * protocol TCP unless given, hostIP when set.
 */
function hostPortMappings(pod: Pod): HostPortMapping[] {
  const out: HostPortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort === undefined || p.hostPort <= 0) continue;
      const protocol = p.protocol === 'UDP' || p.protocol === 'SCTP' ? p.protocol : 'TCP';
      out.push({ hostPort: p.hostPort, containerPort: p.containerPort, protocol, ...(p.hostIP === undefined || p.hostIP === '' ? {} : { hostIP: p.hostIP }) });
    }
  }
  return out;
}
