import type { Node } from 'kubernetes-types/core/v1.js';
import { addReasons, decideNaive, type Decision } from './decide.js';
import { CLASS_FILTERS, nodeAffinity, nodeResourcesFit, runFilters, unschedulableMessage } from './filters.js';
import { holdPorts } from './host-ports.js';
import { nodeInfoFromNode, type NodeInfo, type PodInfo, type PodResources, type Resources } from './node-info.js';
import { leastAllocatedScore } from './score.js';
import { SortedOrds } from './sorted-ords.js';

/**
 * Nodes indexed for scheduling at scale. Nodes fall into classes (same allocatable, taints,
 * readiness, schedulability: every filter but resource fit gives one answer for the whole class),
 * and within a class into buckets of equal allocation (same requests and pod count: resource fit
 * and the least-allocated score are the same for the whole bucket). A scheduling cycle then costs
 * one filter run per class and one fit+score per bucket, plus a binary search for the round-robin
 * pick, instead of a filter+score per node; the answer is exactly decideNaive's. With similar pods
 * a class has a handful of buckets (nodes holding k and k+1 pods), so a cycle is O(log n).
 */
interface Bucket {
  readonly key: string;
  /** A stand-in node for the resource filter: the class's allocatable with this bucket's requests. */
  readonly view: NodeInfo;
  readonly ords: SortedOrds;
}

interface NodeClass {
  readonly key: string;
  /** A member, for the class filters (they read no name and no requests). */
  sample: NodeInfo;
  size: number;
  readonly buckets: Map<string, Bucket>;
}

interface Entry {
  info: NodeInfo;
  cls: NodeClass;
  bucket: Bucket;
}

/**
 * Labels are left out of the class: every node carries its own kubernetes.io/hostname label, so
 * classes by label would be one per node and a cycle O(nodes). Pods whose placement reads labels
 * (nodeSelector, required node affinity) take the reference path instead; for every other pod the
 * label filter passes on every node and the classes below give decideNaive's answer.
 */
function classKey(n: NodeInfo): string {
  const taints = n.taints.map((t) => [t.key, t.value ?? '', t.effect]);
  return JSON.stringify([n.allocatable.milliCpu, n.allocatable.memory, n.allocatable.pods, n.unschedulable, n.ready, taints]);
}

/** The class filters that read no labels (nodeAffinity is the one that does). */
const INDEX_FILTERS = CLASS_FILTERS.filter((f) => f !== nodeAffinity);

function bucketKey(n: NodeInfo): string {
  return `${n.requested.milliCpu}/${n.requested.memory}/${n.nonZero.milliCpu}/${n.nonZero.memory}/${n.podCount}`;
}

function add(a: Resources, b: Resources, sign: 1 | -1): Resources {
  return { milliCpu: a.milliCpu + sign * b.milliCpu, memory: a.memory + sign * b.memory };
}

export class NodeIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly byOrd = new Map<number, Entry>();
  private readonly classes = new Map<string, NodeClass>();
  private nextOrd = 0;

  get size(): number {
    return this.entries.size;
  }

  get(name: string): NodeInfo | undefined {
    return this.entries.get(name)?.info;
  }

  /** Every node in the order first seen. */
  nodes(): NodeInfo[] {
    return [...this.entries.values()].map((e) => e.info).sort((a, b) => a.ord - b.ord);
  }

  /** Adds a node or refreshes its class fields; its pods' requests are kept. */
  upsert(node: Node): NodeInfo {
    const name = node.metadata?.name ?? '';
    const old = this.entries.get(name);
    const info = nodeInfoFromNode(node, old?.info.ord ?? this.nextOrd++);
    if (old !== undefined) {
      info.requested = old.info.requested;
      info.nonZero = old.info.nonZero;
      info.podCount = old.info.podCount;
      info.usedPorts = old.info.usedPorts;
      this.unplace(old);
    }
    this.place(info);
    return info;
  }

  remove(name: string): void {
    const e = this.entries.get(name);
    if (e === undefined) return;
    this.unplace(e);
    this.entries.delete(name);
    this.byOrd.delete(e.info.ord);
  }

  /** Accounts a pod to its node (sign 1) or takes it off again (-1). Unknown nodes are ignored. */
  account(nodeName: string, pod: PodResources, sign: 1 | -1): void {
    const e = this.entries.get(nodeName);
    if (e === undefined) return;
    this.unplace(e);
    const i = e.info;
    i.requested = add(i.requested, pod.requests, sign);
    i.nonZero = add(i.nonZero, pod.nonZero, sign);
    i.podCount += sign;
    if (pod.hostPorts.length > 0) i.usedPorts = holdPorts(i.usedPorts, pod.hostPorts, sign);
    // A pod changes the node's requests, not its class: the key is the one it had (no JSON made per pod).
    this.place(i, e.cls.key);
  }

  private place(info: NodeInfo, ck = classKey(info)): void {
    let cls = this.classes.get(ck);
    if (cls === undefined) {
      cls = { key: ck, sample: info, size: 0, buckets: new Map() };
      this.classes.set(ck, cls);
    }
    cls.size++;
    const bk = bucketKey(info);
    let bucket = cls.buckets.get(bk);
    if (bucket === undefined) {
      bucket = { key: bk, view: { ...info, name: '', ord: -1, requested: info.requested, nonZero: info.nonZero }, ords: new SortedOrds() };
      cls.buckets.set(bk, bucket);
    }
    bucket.ords.add(info.ord);
    const e: Entry = { info, cls, bucket };
    this.entries.set(info.name, e);
    this.byOrd.set(info.ord, e);
  }

  private unplace(e: Entry): void {
    e.bucket.ords.delete(e.info.ord);
    if (e.bucket.ords.size === 0) e.cls.buckets.delete(e.bucket.key);
    e.cls.size--;
    if (e.cls.size === 0) this.classes.delete(e.cls.key);
    else if (e.cls.sample === e.info) e.cls.sample = this.anyMember(e.cls) ?? e.info;
  }

  private anyMember(cls: NodeClass): NodeInfo | undefined {
    for (const b of cls.buckets.values()) {
      const o = b.ords.first();
      if (o !== undefined) return this.byOrd.get(o)?.info;
    }
    return undefined;
  }

  /** The reference answer: every node filtered and scored. */
  decideNaive(pod: PodInfo, lastOrd: number): Decision {
    return decideNaive(pod, this.nodes(), lastOrd);
  }

  /** The same answer from classes and buckets. */
  decide(pod: PodInfo, lastOrd: number): Decision {
    // Node selectors and required affinity read labels (hostname is unique to each node), matchFields
    // names nodes one by one: no class shares an answer, so use the reference path. The same for a pod that
    // wants host ports: which ports a node holds is the node's own, so nodes of one bucket may differ for it.
    // Inter-pod affinity and topology spread read which pods each node's topology domains hold: per node too.
    if (Object.keys(pod.nodeSelector).length > 0 || pod.requiredTerms !== undefined || pod.hostPorts.length > 0 || pod.interPodAffinity !== undefined || pod.topologySpread !== undefined) {
      return this.decideNaive(pod, lastOrd);
    }
    const reasons = new Map<string, number>();
    let best = -1;
    let tied: Bucket[] = [];
    for (const cls of this.classes.values()) {
      const r = runFilters(pod, cls.sample, INDEX_FILTERS);
      if (r.length > 0) {
        addReasons(reasons, r, cls.size);
        continue;
      }
      for (const b of cls.buckets.values()) {
        const fit = nodeResourcesFit(pod, b.view);
        if (fit.length > 0) {
          addReasons(reasons, fit, b.ords.size);
          continue;
        }
        const s = leastAllocatedScore(b.view.nonZero, b.view.allocatable, pod);
        if (s > best) {
          best = s;
          tied = [b];
        } else if (s === best) tied.push(b);
      }
    }
    let after: number | undefined;
    let first: number | undefined;
    for (const b of tied) {
      const a = b.ords.firstAfter(lastOrd);
      if (a !== undefined && (after === undefined || a < after)) after = a;
      const f = b.ords.first();
      if (f !== undefined && (first === undefined || f < first)) first = f;
    }
    const ord = after ?? first;
    const chosen = ord === undefined ? undefined : this.byOrd.get(ord);
    if (chosen === undefined) return { kind: 'unschedulable', message: unschedulableMessage(this.entries.size, reasons), reasons };
    return { kind: 'bind', node: chosen.info.name, ord: chosen.info.ord, score: best };
  }
}
