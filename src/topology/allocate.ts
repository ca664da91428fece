import { Cidr4, ip4 } from '../addr/index.js';

/** The outcome of podCIDR allocation: a CIDR per node, or the first node left without one. */
export type PodCidrAllocation =
  | { readonly ok: true; readonly cidrs: readonly { readonly cidr: Cidr4; readonly allocated: boolean }[] }
  | { readonly ok: false; readonly node: number; readonly free: number };

/**
 * Gives every node without a podCIDR a `/maskSize` carved from `clusterCIDR`, as
 * kube-controller-manager's RangeAllocator does: podCIDRs already set on nodes are occupied first,
 * then nodes are served in order from the lowest free subnet index upwards (cidrset.AllocateNext
 * starting at candidate 0). Callers must have checked that the given CIDRs lie inside clusterCIDR
 * and do not overlap one another.
 */
export function allocatePodCidrs(
  clusterCIDR: Cidr4,
  maskSize: number,
  given: readonly (Cidr4 | undefined)[],
): PodCidrAllocation {
  const occupied = given
    .filter((c): c is Cidr4 => c !== undefined)
    .map((c) => ({ start: c.network, end: c.network + c.size - 1 }))
    .sort((a, b) => a.start - b.start);
  const count = clusterCIDR.subnetCount(maskSize);
  const step = 2 ** (32 - maskSize);
  let candidate = 0;
  let next = 0; // first occupied range that may still overlap a candidate (both only move forward)
  const out: { cidr: Cidr4; allocated: boolean }[] = [];
  for (let n = 0; n < given.length; n++) {
    const fixed = given[n];
    if (fixed !== undefined) {
      out.push({ cidr: fixed, allocated: false });
      continue;
    }
    for (;;) {
      if (candidate >= count) return { ok: false, node: n, free: countFree(count, step, clusterCIDR, occupied) };
      const start = clusterCIDR.network + candidate * step;
      const end = start + step - 1;
      while (next < occupied.length && (occupied[next]?.end ?? 0) < start) next++;
      const o = occupied[next];
      if (o !== undefined && o.start <= end) {
        candidate++;
        continue;
      }
      out.push({ cidr: new Cidr4(ip4(start), maskSize), allocated: true });
      candidate++;
      break;
    }
  }
  return { ok: true, cidrs: out };
}

/** How many /maskSize subnets no given podCIDR touches, for the "exhausted" message. */
function countFree(count: number, step: number, cluster: Cidr4, occupied: readonly { start: number; end: number }[]): number {
  let used = 0;
  let counted = -1; // occupied is sorted, so two small CIDRs inside one subnet count it once
  for (const o of occupied) {
    const first = Math.max(counted + 1, Math.floor((o.start - cluster.network) / step));
    const last = Math.floor((o.end - cluster.network) / step);
    if (last >= first) used += last - first + 1;
    counted = Math.max(counted, last);
  }
  return Math.max(0, count - used);
}
