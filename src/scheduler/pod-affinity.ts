import type { Affinity, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { type Labels, type Selector, matchesSelector } from '../api/index.js';
import { safeSelector, termSelector } from './term-selector.js';

/**
 * kube-scheduler's InterPodAffinity filter (pkg/scheduler/framework/plugins/interpodaffinity), required terms only:
 * a pod's podAffinity needs, in the node's topology domain, a pod matching all its terms; its podAntiAffinity refuses
 * a domain holding a pod matching any term; and an existing pod's podAntiAffinity refuses the incoming pod in its
 * domain (the symmetric rule). Preferred terms only weigh in scoring, which kubewire does not model. Shared by the
 * topology build's placement and the live scheduler, so both put pods on the same nodes.
 */

/** framework.AffinityTerm: which pods a term selects, in which namespaces, over which node label. */
export interface AffinityTerm {
  /** The namespaces it names; the pod's own when it names none and has no namespaceSelector. */
  readonly namespaces: ReadonlySet<string>;
  /** null: none (only `namespaces` count); an empty selector: every namespace. */
  readonly namespaceSelector: Selector;
  /** null (no labelSelector): selects no pod. */
  readonly selector: Selector;
  readonly topologyKey: string;
}

/** What the filter needs of a pod: where it is and what it carries, with its required terms. */
export interface AffinityPod {
  readonly namespace: string;
  readonly labels: Labels;
  readonly affinity: readonly AffinityTerm[];
  readonly antiAffinity: readonly AffinityTerm[];
}

/** A pod already on a node, with that node's labels (its topology domains). */
export interface PlacedAffinityPod {
  readonly pod: AffinityPod;
  readonly nodeLabels: Labels;
}

/** Namespace name → its labels (every namespace carries kubernetes.io/metadata.name); undefined: unknown. */
export type NamespaceLabels = (namespace: string) => Labels | undefined;

export const REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

const NO_TERMS: readonly AffinityTerm[] = Object.freeze([]);

/** A pod's required terms as the scheduler reads them (framework.NewPodInfo). */
export function affinityPod(namespace: string, labels: Labels | undefined, a: Affinity | undefined): AffinityPod {
  const l = labels ?? {};
  const req = (terms: readonly PodAffinityTerm[] | undefined): readonly AffinityTerm[] => (terms === undefined || terms.length === 0 ? NO_TERMS : terms.map((t) => affinityTerm(t, namespace, l)));
  return {
    namespace,
    labels: l,
    affinity: req(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    antiAffinity: req(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
  };
}

function affinityTerm(t: PodAffinityTerm, namespace: string, labels: Labels): AffinityTerm {
  const namespaces = t.namespaces ?? [];
  return {
    namespaces: new Set(namespaces.length === 0 && t.namespaceSelector === undefined ? [namespace] : namespaces),
    namespaceSelector: safeSelector(t.namespaceSelector),
    selector: termSelector(t.labelSelector, labels, t),
    topologyKey: t.topologyKey,
  };
}

export function hasRequiredTerms(p: AffinityPod): boolean {
  return p.affinity.length > 0 || p.antiAffinity.length > 0;
}

/** framework.AffinityTerm.Matches: the pod is in one of the term's namespaces and its labels match. */
function termMatches(t: AffinityTerm, p: Pick<AffinityPod, 'namespace' | 'labels'>, nsLabels: NamespaceLabels): boolean {
  if (!t.namespaces.has(p.namespace) && !matchesSelector(t.namespaceSelector, nsLabels(p.namespace))) return false;
  return matchesSelector(t.selector, p.labels);
}

/** Counts per topology pair "key\u0000value". */
type PairCounts = Map<string, number>;

function count(m: PairCounts, nodeLabels: Labels, key: string): void {
  if (!Object.hasOwn(nodeLabels, key)) return;
  const pair = `${key}\u0000${nodeLabels[key] ?? ''}`;
  m.set(pair, (m.get(pair) ?? 0) + 1);
}

function counted(m: PairCounts, nodeLabels: Labels, key: string): number {
  return Object.hasOwn(nodeLabels, key) ? (m.get(`${key}\u0000${nodeLabels[key] ?? ''}`) ?? 0) : 0;
}

/**
 * One scheduling cycle's InterPodAffinity check for `incoming` over the pods placed so far (PreFilter's counts), or
 * undefined when it can refuse no node (the plugin's Skip). The returned function gives a node's reason, if any,
 * in the plugin's order: the pod's affinity, its anti-affinity, then existing pods' anti-affinity.
 */
export function interPodAffinityCheck(incoming: AffinityPod, placed: Iterable<PlacedAffinityPod>, nsLabels: NamespaceLabels): ((nodeLabels: Labels) => string | undefined) | undefined {
  const existingAnti: PairCounts = new Map();
  const affinity: PairCounts = new Map();
  const anti: PairCounts = new Map();
  const { affinity: aTerms, antiAffinity: antiTerms } = incoming;
  for (const { pod, nodeLabels } of placed) {
    for (const t of pod.antiAffinity) if (termMatches(t, incoming, nsLabels)) count(existingAnti, nodeLabels, t.topologyKey);
    if (aTerms.length > 0 && aTerms.every((t) => termMatches(t, pod, nsLabels))) for (const t of aTerms) count(affinity, nodeLabels, t.topologyKey);
    for (const t of antiTerms) if (termMatches(t, pod, nsLabels)) count(anti, nodeLabels, t.topologyKey);
  }
  if (existingAnti.size === 0 && !hasRequiredTerms(incoming)) return undefined;
  // The first of a group that wants to be with itself: no pod anywhere matches, and it matches its own terms.
  const selfStarter = affinity.size === 0 && aTerms.length > 0 && aTerms.every((t) => termMatches(t, incoming, nsLabels));
  return (nodeLabels) => {
    let podsExist = true;
    for (const t of aTerms) {
      if (!Object.hasOwn(nodeLabels, t.topologyKey)) return REASON_AFFINITY;
      if (counted(affinity, nodeLabels, t.topologyKey) <= 0) podsExist = false;
    }
    if (!podsExist && !selfStarter) return REASON_AFFINITY;
    for (const t of antiTerms) if (counted(anti, nodeLabels, t.topologyKey) > 0) return REASON_ANTI_AFFINITY;
    if (existingAnti.size > 0) for (const k in nodeLabels) if (counted(existingAnti, nodeLabels, k) > 0) return REASON_EXISTING_ANTI_AFFINITY;
    return undefined;
  };
}
