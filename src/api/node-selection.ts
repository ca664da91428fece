import type { NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration } from 'kubernetes-types/core/v1.js';

/**
 * Which nodes a pod may go to, as k8s.io/component-helpers/scheduling/corev1 decides it: shared by the
 * scheduler's filters and the DaemonSet controller's placement (NodeShouldRunDaemonPod).
 */

/** v1helper.TolerationsTolerateTaint: effect (empty matches all), key (empty + Exists matches all), Exists or Equal. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== '' && t.effect !== taint.effect) return false;
  if (t.key !== undefined && t.key !== '' && t.key !== taint.key) return false;
  const op = t.operator ?? 'Equal';
  if (op === 'Exists') return true;
  return op === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}

function matchRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && vals.includes(value);
    case 'NotIn':
      return value === undefined || !vals.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value) || vals.length !== 1 || !/^-?\d+$/.test(vals[0] ?? '')) return false;
      return r.operator === 'Gt' ? Number(value) > Number(vals[0]) : Number(value) < Number(vals[0]);
    }
    default:
      return false;
  }
}

/** A term with neither expressions nor fields selects nothing (nodeaffinity.NodeSelector). */
export function termMatches(term: NodeSelectorTerm, node: { name: string; labels: Readonly<Record<string, string>> }): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return (
    exprs.every((r) => matchRequirement(r, Object.hasOwn(node.labels, r.key) ? node.labels[r.key] : undefined)) &&
    fields.every((r) => r.key === 'metadata.name' && matchRequirement(r, node.name))
  );
}

/**
 * GetRequiredNodeAffinity(pod).Match(node): the node's labels carry every pair of the pod's nodeSelector, and match
 * one of its required node affinity terms when it has any. The scheduler's NodeAffinity filter, the DaemonSet
 * controller and the topology build all ask this.
 */
export function requiredNodeAffinityMatches(
  nodeSelector: Readonly<Record<string, unknown>> | undefined,
  terms: readonly NodeSelectorTerm[] | undefined,
  node: { name: string; labels: Readonly<Record<string, string>> },
): boolean {
  for (const k in nodeSelector) if (node.labels[k] !== nodeSelector[k]) return false;
  return terms === undefined || terms.some((t) => termMatches(t, node));
}
