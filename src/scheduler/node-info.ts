import type { Node, NodeSelectorTerm, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { type HostPort, hostPortsOf, type UsedPorts } from './host-ports.js';
import { milliCpu, wholeQuantity } from '../api/index.js';

/**
 * What the scheduler knows about one node: its allocatable resources, what its pods request (plain
 * and "non-zero", the latter for scoring, as the scheduler framework's NodeInfo keeps both), and
 * the fields its filters read. `ord` is the order the scheduler first saw the node in: round-robin
 * walks nodes in that order.
 */
export interface Resources {
  readonly milliCpu: number;
  readonly memory: number;
}

export interface NodeInfo {
  readonly name: string;
  readonly ord: number;
  readonly allocatable: Resources & { readonly pods: number };
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly unschedulable: boolean;
  /** The Ready condition's status: 'True', 'False' or 'Unknown' (absent counts as 'Unknown'). */
  readonly ready: string;
  requested: Resources;
  nonZero: Resources;
  podCount: number;
  /**
   * The host ports its pods hold (NodeInfo.UsedPorts): "<protocol>/<port>" → host IP → how many pods hold it.
   * Undefined until a pod with a hostPort lands on the node (most nodes never see one).
   */
  usedPorts: UsedPorts | undefined;
}

/** Requests of one pod (PodRequests: max(sum of containers, largest init container)), plain and non-zero, and its host ports. */
export interface PodResources {
  readonly requests: Resources;
  readonly nonZero: Resources;
  readonly hostPorts: readonly HostPort[];
}

export interface PodInfo extends PodResources {
  readonly key: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** requiredDuringSchedulingIgnoredDuringExecution terms (ORed); undefined when the pod has none. */
  readonly requiredTerms: readonly NodeSelectorTerm[] | undefined;
  readonly tolerations: readonly Toleration[];
  /**
   * This cycle's InterPodAffinity check over the pods placed so far (pod-affinity.ts), set by the scheduler when the
   * pod has required (anti-)affinity terms or a placed pod has anti-affinity terms; absent, it refuses no node.
   */
  readonly interPodAffinity?: (nodeLabels: Readonly<Record<string, string>>) => string | undefined;
  /** This cycle's PodTopologySpread check (topology-spread.ts), when the pod has DoNotSchedule constraints. */
  readonly topologySpread?: (nodeLabels: Readonly<Record<string, string>>) => string | undefined;
}

/** The scheduler's default for a container that requests no CPU / memory, used only for scoring (DefaultMilliCPURequest, DefaultMemoryRequest). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;
/** The kubelet's default --max-pods. */
export const DEFAULT_MAX_PODS = 110;

export function nodeInfoFromNode(node: Node, ord: number): NodeInfo {
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
  const where = `node ${node.metadata?.name ?? ''} status.allocatable`;
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
  return {
    name: node.metadata?.name ?? '',
    ord,
    allocatable: {
      milliCpu: alloc['cpu'] === undefined ? 0 : milliCpu(alloc['cpu'], `${where}.cpu`),
      memory: alloc['memory'] === undefined ? 0 : wholeQuantity(alloc['memory'], `${where}.memory`),
      pods: alloc['pods'] === undefined ? DEFAULT_MAX_PODS : wholeQuantity(alloc['pods'], `${where}.pods`),
    },
    labels: node.metadata?.labels ?? {},
    taints: node.spec?.taints ?? [],
    unschedulable: node.spec?.unschedulable === true,
    ready,
    requested: { milliCpu: 0, memory: 0 },
    nonZero: { milliCpu: 0, memory: 0 },
    podCount: 0,
    usedPorts: undefined,
  };
}

function containerRequests(c: { resources?: { requests?: Record<string, unknown> } }, where: string): { cpu: number; mem: number; nzCpu: number; nzMem: number } {
  const req = c.resources?.requests ?? {};
  const cpu = req['cpu'] === undefined ? 0 : milliCpu(req['cpu'], `${where}.cpu`);
  const mem = req['memory'] === undefined ? 0 : wholeQuantity(req['memory'], `${where}.memory`);
  return { cpu, mem, nzCpu: cpu === 0 ? DEFAULT_MILLI_CPU_REQUEST : cpu, nzMem: mem === 0 ? DEFAULT_MEMORY_REQUEST : mem };
}

/** A pod's resources by its (stored, frozen) containers list, shared by every pod of a template and by each pod's versions. */
const resourcesOf = new WeakMap<object, PodResources>();
const NO_SELECTOR: Readonly<Record<string, string>> = Object.freeze({});
const NO_TOLERATIONS: readonly Toleration[] = Object.freeze([]);

export function podInfoFromPod(pod: Pod, key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`): PodInfo {
  const spec = pod.spec;
  const { requests, nonZero, hostPorts } = podResources(pod, key);
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return { key, requests, nonZero, hostPorts, nodeSelector: spec?.nodeSelector ?? NO_SELECTOR, requiredTerms: terms, tolerations: spec?.tolerations ?? NO_TOLERATIONS };
}

/**
 * The pod's requests, plain and non-zero. A pod without init containers whose containers list is frozen (a stored
 * pod's, shared with its template) gets the one object computed for that list: the scheduler keeps it for every
 * pod it has placed, to take the pod's requests off its node again.
 */
export function podResources(pod: Pod, key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`): PodResources {
  const containers = pod.spec?.containers;
  const shareable = containers !== undefined && pod.spec?.initContainers === undefined && Object.isFrozen(containers);
  if (shareable) {
    const known = resourcesOf.get(containers);
    if (known !== undefined) return known;
  }
  const r = computeResources(pod, key);
  if (shareable) resourcesOf.set(containers, r);
  return r;
}

function computeResources(pod: Pod, key: string): PodResources {
  const spec = pod.spec;
  let cpu = 0;
  let mem = 0;
  let nzCpu = 0;
  let nzMem = 0;
  (spec?.containers ?? []).forEach((c, i) => {
    const r = containerRequests(c, `pod ${key} spec.containers[${i}].resources.requests`);
    cpu += r.cpu;
    mem += r.mem;
    nzCpu += r.nzCpu;
    nzMem += r.nzMem;
  });
  // An init container runs alone, so the pod needs at least the largest one (resource.PodRequests).
  (spec?.initContainers ?? []).forEach((c, i) => {
    const r = containerRequests(c, `pod ${key} spec.initContainers[${i}].resources.requests`);
    cpu = Math.max(cpu, r.cpu);
    mem = Math.max(mem, r.mem);
    nzCpu = Math.max(nzCpu, r.nzCpu);
    nzMem = Math.max(nzMem, r.nzMem);
  });
  return { requests: { milliCpu: cpu, memory: mem }, nonZero: { milliCpu: nzCpu, memory: nzMem }, hostPorts: hostPortsOf(spec?.containers ?? []) };
}
