import { canonicalIp4, type Ip4, ip4, ip4ToString, tryParseIp4 } from '../../../src/addr/index.js';
import type { IpConfig100 } from '../../../src/cni/index.js';
import { fail } from '../../pkg/common.js';
import { rangeSetText, type Range, type RangeSet } from './config.js';
import type { Steps } from '../../pkg/steps.js';
import type { Store } from './store.js';

/** The store's address texts as numbers: canonical dotted quads (what the store writes) fast, anything else parsed. */
function storedIp(text: string): Ip4 | undefined {
  return canonicalIp4(text) ?? tryParseIp4(text);
}

function rangeFor(set: RangeSet, ip: Ip4): Range | undefined {
  return set.find((r) => ip >= r.start && ip <= r.end);
}

/**
 * allocator.IPAllocator.Get for one range set: a requested address must be free and not the gateway; otherwise
 * round-robin from the address after last_reserved_ip (range start when there is none), skipping gateways, wrapping
 * across the set's ranges once. A second allocation for the same (id, ifname) in this set is refused.
 */
export function* allocate(store: Store, set: RangeSet, rangeId: number, id: string, ifName: string, requested: Ip4 | undefined): Steps<IpConfig100> {
  const cfg = (r: Range, ip: Ip4): IpConfig100 => ({ address: `${ip4ToString(ip)}/${r.subnet.prefix}`, gateway: ip4ToString(r.gateway) });
  if (requested !== undefined) {
    const r = rangeFor(set, requested);
    if (r === undefined) fail(`${ip4ToString(requested)} not in range set ${rangeSetText(set)}`);
    if (requested === r.gateway) fail(`requested ip ${ip4ToString(requested)} is subnet's gateway`);
    if (!(yield* store.reserve(id, ifName, ip4ToString(requested), rangeId))) {
      fail(`requested IP address ${ip4ToString(requested)} is not available in range set ${rangeSetText(set)}`);
    }
    return cfg(r, requested);
  }
  for (const held of yield* store.getById(id, ifName)) {
    const ip = storedIp(held);
    if (ip !== undefined && rangeFor(set, ip) !== undefined) fail(`${held} has been allocated to ${id}, duplicate allocation is not allowed`);
  }
  for (const [r, ip] of iterate(set, yield* store.lastReserved(rangeId))) {
    if (yield* store.reserve(id, ifName, ip4ToString(ip), rangeId)) return cfg(r, ip);
  }
  fail(`no IP addresses available in range set: ${rangeSetText(set)}`);
}

/** RangeIter: every candidate once, in upstream's order. */
function* iterate(set: RangeSet, lastText: string | undefined): Generator<[Range, Ip4]> {
  const last = lastText === undefined ? undefined : storedIp(lastText);
  const lastRange = last === undefined ? -1 : set.findIndex((r) => last >= r.start && last <= r.end);
  let idx = lastRange >= 0 ? lastRange : 0;
  let cur: Ip4 | undefined = lastRange >= 0 ? last : undefined;
  let startIp: Ip4 | undefined;
  for (;;) {
    let r = set[idx];
    if (r === undefined) return;
    if (cur === undefined) {
      cur = r.start;
      startIp = cur;
    } else {
      if (cur === r.end) {
        idx = (idx + 1) % set.length;
        r = set[idx];
        if (r === undefined) return;
        cur = r.start;
      } else {
        cur = ip4(cur + 1);
      }
      if (startIp === undefined) startIp = cur;
      else if (cur === startIp) return;
    }
    if (cur !== r.gateway) yield [r, cur];
  }
}
