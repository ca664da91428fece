import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { type Labels, type Selector, matchesSelector } from '../api/index.js';
import { termSelector } from './term-selector.js';

/**
 * kube-scheduler's PodTopologySpread filter (pkg/scheduler/framework/plugins/podtopologyspread), for the constraints
 * with `whenUnsatisfiable: DoNotSchedule` (ScheduleAnyway ones, and the system defaults, only weigh in scoring,
 * which kubewire does not model). Shared by the topology build's placement and the live scheduler.
 */

export const REASON_SPREAD = "node(s) didn't match pod topology spread constraints";
export const REASON_SPREAD_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";

/** One DoNotSchedule constraint as the filter reads it. */
export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  /** With matchLabelKeys ANDed in; null (no labelSelector) selects no pod. */
  readonly selector: Selector;
  /** Fewer eligible domains than this count the global minimum as 0. */
  readonly minDomains: number;
  /** nodeAffinityPolicy Honor (the default): only nodes the pod's nodeSelector and node affinity allow are domains. */
  readonly honorNodeAffinity: boolean;
}

/** A pod already on a node: its namespace and labels, and the node's name. */
export interface PlacedSpreadPod {
  readonly namespace: string;
  readonly labels: Labels | undefined;
  readonly node: string;
}

/** A pod's hard constraints (none: the filter passes every node). */
export function spreadConstraints(labels: Labels | undefined, constraints: readonly TopologySpreadConstraint[] | undefined): readonly SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  const l = labels ?? {};
  for (const c of constraints ?? []) {
    if (c.whenUnsatisfiable !== 'DoNotSchedule') continue;
    const selector = termSelector(c.labelSelector, l, c);
    out.push({ maxSkew: c.maxSkew, topologyKey: c.topologyKey, selector, minDomains: c.minDomains ?? 1, honorNodeAffinity: c.nodeAffinityPolicy !== 'Ignore' });
  }
  return out;
}

/**
 * One scheduling cycle's PodTopologySpread check (PreFilter's counts): `nodes` are every node, with its labels and
 * whether the pod's nodeSelector and node affinity allow it; `placed` the pods on them. Undefined when the pod has no hard
 * constraint. For a node, the reason it is refused, or undefined: the node must carry every constraint's key, and
 * putting the pod in its domain must leave that domain at most maxSkew above the emptiest eligible domain.
 */
export function topologySpreadCheck(
  namespace: string,
  labels: Labels | undefined,
  constraints: readonly SpreadConstraint[],
  nodes: Iterable<{ readonly name: string; readonly labels: Labels; readonly fits: boolean }>,
  placed: Iterable<PlacedSpreadPod>,
): ((nodeLabels: Labels) => string | undefined) | undefined {
  if (constraints.length === 0) return undefined;
  const hasAllKeys = (l: Labels): boolean => constraints.every((c) => Object.hasOwn(l, c.topologyKey));
  // Per constraint: the eligible domains (value → matching pods) and the nodes whose pods count towards them: nodes
  // carrying every constraint's key (and, by default, allowed by the pod's node affinity).
  const counts = constraints.map(() => new Map<string, number>());
  const counting = constraints.map(() => new Map<string, string>());
  for (const n of nodes) {
    if (!hasAllKeys(n.labels)) continue;
    constraints.forEach((c, i) => {
      if (c.honorNodeAffinity && !n.fits) return;
      const v = n.labels[c.topologyKey] ?? '';
      if (!counts[i]?.has(v)) counts[i]?.set(v, 0);
      counting[i]?.set(n.name, v);
    });
  }
  for (const p of placed) {
    if (p.namespace !== namespace) continue;
    constraints.forEach((c, i) => {
      const v = counting[i]?.get(p.node);
      if (v === undefined || !matchesSelector(c.selector, p.labels)) return;
      counts[i]?.set(v, (counts[i]?.get(v) ?? 0) + 1);
    });
  }
  const minimum = constraints.map((c, i) => {
    const m = counts[i];
    if (m === undefined || m.size < c.minDomains) return 0;
    let min = Infinity;
    for (const n of m.values()) if (n < min) min = n;
    return min === Infinity ? 0 : min;
  });
  const own = labels ?? {};
  return (nodeLabels) => {
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i];
      if (c === undefined) continue;
      if (!Object.hasOwn(nodeLabels, c.topologyKey)) return REASON_SPREAD_LABEL;
      const here = counts[i]?.get(nodeLabels[c.topologyKey] ?? '') ?? 0;
      const self = matchesSelector(c.selector, own) ? 1 : 0;
      if (here + self - (minimum[i] ?? 0) > c.maxSkew) return REASON_SPREAD;
    }
    return undefined;
  };
}
