import { FILTERS, runFilters, unschedulableMessage } from './filters.js';
import type { NodeInfo, PodInfo } from './node-info.js';
import { scoreNode } from './score.js';

/** The outcome of one scheduling cycle: a node, or why none fits. */
export type Decision =
  | { readonly kind: 'bind'; readonly node: string; readonly ord: number; readonly score: number }
  | { readonly kind: 'unschedulable'; readonly message: string; readonly reasons: ReadonlyMap<string, number> };

export function addReasons(counts: Map<string, number>, reasons: readonly string[], n: number): void {
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + n);
}

/**
 * Round-robin among equal best scores: the first tied node after the one chosen last (in the order
 * nodes were first seen), wrapping around. kube-scheduler picks among ties at random (reservoir
 * sampling in selectHost); a rotating choice gives the same even spread and is reproducible.
 */
export function rotateAfter(lastOrd: number, ords: Iterable<number>): number | undefined {
  let after: number | undefined;
  let first: number | undefined;
  for (const o of ords) {
    if (first === undefined || o < first) first = o;
    if (o > lastOrd && (after === undefined || o < after)) after = o;
  }
  return after ?? first;
}

/**
 * The reference algorithm, run over every node: filter, score the feasible ones (least allocated),
 * keep the best, break ties round-robin. The fast index must give exactly this answer.
 */
export function decideNaive(pod: PodInfo, nodes: Iterable<NodeInfo>, lastOrd: number): Decision {
  const reasons = new Map<string, number>();
  let total = 0;
  let best = -1;
  let tied: NodeInfo[] = [];
  for (const n of nodes) {
    total++;
    const r = runFilters(pod, n, FILTERS);
    if (r.length > 0) {
      addReasons(reasons, r, 1);
      continue;
    }
    const s = scoreNode(pod, n);
    if (s > best) {
      best = s;
      tied = [n];
    } else if (s === best) tied.push(n);
  }
  const ord = rotateAfter(lastOrd, tied.map((n) => n.ord));
  const chosen = tied.find((n) => n.ord === ord);
  if (chosen === undefined) return { kind: 'unschedulable', message: unschedulableMessage(total, reasons), reasons };
  return { kind: 'bind', node: chosen.name, ord: chosen.ord, score: best };
}
