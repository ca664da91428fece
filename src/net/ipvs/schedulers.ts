import { Fraction } from '../../lib/index.js';
import type { Packet } from '../../packet/index.js';
import { MH_KEY1, hsiphash32, maglevTable } from './maglev.js';
import type { RealServer, VirtualService } from './types.js';

/** One server a scheduler may pick for a packet, with its probability and why. */
export interface SchedulerChoice {
  readonly dest: RealServer;
  readonly probability: Fraction;
  readonly explanation: string;
}

const available = (d: RealServer): boolean => d.weight > 0;

/** linux/hash.h hash_32: multiply by GOLDEN_RATIO_32 and keep the top `bits` bits. */
function hash32(v: number, bits: number): number {
  return Math.imul(v >>> 0, 0x61c88647) >>> (32 - bits);
}

/**
 * ip_vs_sh/ip_vs_dh bucket tables (256 buckets). sh assigns each destination `weight` consecutive
 * buckets in list order, round and round (ip_vs_sh_reassign); dh one bucket each (ip_vs_dh_reassign).
 */
function bucketTable(dests: readonly RealServer[], weighted: boolean): (RealServer | undefined)[] {
  const out: (RealServer | undefined)[] = [];
  if (dests.length === 0) return new Array<RealServer | undefined>(256).fill(undefined);
  let p = 0;
  let count = 0;
  for (let i = 0; i < 256; i++) {
    const d = dests[p % dests.length];
    out.push(d);
    if (!weighted || ++count >= (d?.weight ?? 0)) {
      p++;
      count = 0;
    }
  }
  return out;
}

const tableCache = new WeakMap<readonly RealServer[], Map<string, readonly (RealServer | undefined)[]>>();
function cachedTable(dests: readonly RealServer[], kind: string, make: () => readonly (RealServer | undefined)[]): readonly (RealServer | undefined)[] {
  let m = tableCache.get(dests);
  if (m === undefined) {
    m = new Map();
    tableCache.set(dests, m);
  }
  let t = m.get(kind);
  if (t === undefined) {
    t = make();
    m.set(kind, t);
  }
  return t;
}

function uniform(ds: readonly RealServer[], why: string): SchedulerChoice[] {
  // One 1/n for all the choices: a trace reads each choice's probability, and n copies were n objects to reach.
  const probability = Fraction.of(1, ds.length);
  return ds.map((dest) => ({ dest, probability, explanation: why }));
}

function byWeight(ds: readonly RealServer[], why: string): SchedulerChoice[] {
  const total = ds.reduce((a, d) => a + d.weight, 0);
  return ds.map((dest) => ({ dest, probability: Fraction.of(dest.weight, total), explanation: `${why} (weight ${dest.weight}/${total})` }));
}

/**
 * The choices of a scheduler that does not read the packet (rr, wrr, lc, wlc, sed, nq: every
 * first packet gets the same paths, so the caller may keep them); undefined for sh, dh and mh.
 */
export function packetFreeChoices(svc: VirtualService): SchedulerChoice[] | undefined {
  const name = svc.vs.scheduler;
  if (name === 'sh' || name === 'dh' || name === 'mh') return undefined;
  return schedule(svc, PACKET_UNUSED);
}

const PACKET_UNUSED: Packet = { src: 0 as Packet['src'], dst: 0 as Packet['dst'], proto: 'tcp', sport: 0, dport: 0, ttl: 64 };

/**
 * The destinations a virtual service's scheduler may pick for `p`, each with its probability.
 * Hash schedulers (sh, dh, mh) are deterministic for a packet; the others depend on state a
 * trace cannot know (the rr pointer, live connection counts), so every candidate is a path with
 * its long-run share. An empty result means no destination is available (ip_vs_leave).
 */
export function schedule(svc: VirtualService, p: Packet): SchedulerChoice[] {
  const ds = svc.dests.filter(available);
  if (ds.length === 0) return [];
  const name = svc.vs.scheduler;
  switch (name) {
    case 'rr':
      return uniform(ds, 'rr: the server after the one picked last; where that pointer stands depends on earlier connections, so each server is a path with 1/n');
    case 'wrr':
      return byWeight(ds, 'wrr: servers in turn in proportion to their weights; the position in the cycle depends on earlier connections');
    case 'lc':
    case 'nq':
      return leastLoaded(ds, name, false);
    case 'wlc':
    case 'sed':
      return leastLoaded(ds, name, true);
    case 'sh': {
      const port = svc.vs.flags.includes('sh-port') ? p.sport : 0;
      const t = cachedTable(svc.dests, 'sh', () => bucketTable(svc.dests, true));
      const b = hash32((port + p.src) >>> 0, 8);
      return hashPick(t[b], `sh: bucket ${b} = hash_32(${port === 0 ? 'source address' : 'source address + port'}) of the 256-bucket table`, svc, t, b);
    }
    case 'dh': {
      const t = cachedTable(svc.dests, 'dh', () => bucketTable(svc.dests, false));
      const b = Math.imul(p.dst >>> 0, 2654435761 | 0) & 255;
      return hashPick(t[b], `dh: bucket ${b} = destination address × 2654435761 mod 256`, svc, t, b);
    }
    case 'mh': {
      const port = svc.vs.flags.includes('mh-port') ? p.sport : 0;
      const m = cachedTable(svc.dests, 'mh', () => maglevTable(svc.dests));
      const h = maglevLookupIndex(p.src, port, m.length);
      return hashPick(m[h], `mh: Maglev lookup slot ${h} of ${m.length} from hsiphash(source address${port === 0 ? '' : ' + port'})`, svc, m, h);
    }
  }
}

function hashPick(d: RealServer | undefined, why: string, svc: VirtualService, t: readonly (RealServer | undefined)[], at: number): SchedulerChoice[] {
  if (d !== undefined && available(d)) return [{ dest: d, probability: Fraction.ONE, explanation: why }];
  // sh-fallback / mh-fallback: walk the table for the next available server.
  if (svc.vs.flags.some((f) => f.endsWith('-fallback'))) {
    for (let i = 1; i < t.length; i++) {
      const n = t[(at + i) % t.length];
      if (n !== undefined && available(n)) return [{ dest: n, probability: Fraction.ONE, explanation: `${why}; that server is unavailable, fallback to the next` }];
    }
  }
  return [];
}

/**
 * lc/nq (unweighted) and wlc/sed (weighted): the server with the least overhead, where overhead
 * counts active connections (×256 plus inactive for lc/wlc, ip_vs_dest_conn_overhead; +1 for sed/nq).
 * Ties: the kernel takes the first in list order. The counters in the model are those of the dump
 * (0 for kube-proxy's own state), and they change with every connection, so ties become paths in
 * proportion to the weights, which is the long-run share under equal load.
 */
function leastLoaded(ds: readonly RealServer[], name: string, weighted: boolean): SchedulerChoice[] {
  const overhead = (d: RealServer): number => (name === 'lc' || name === 'wlc' ? d.activeConn * 256 + d.inactConn : d.activeConn + 1);
  // Compare overhead/weight without division, as the kernel does (loh * doh.weight > doh * loh.weight).
  let best: RealServer[] = [];
  for (const d of ds) {
    const first = best[0];
    if (first === undefined) {
      best = [d];
      continue;
    }
    const a = overhead(d) * (weighted ? first.weight : 1);
    const b = overhead(first) * (weighted ? d.weight : 1);
    if (a < b) best = [d];
    else if (a === b) best.push(d);
  }
  const load = weighted ? 'overhead/weight' : 'overhead';
  const why = `${name}: least ${load} (${name === 'lc' || name === 'wlc' ? '256×active + inactive' : 'active + 1'}); ${best.length} server(s) tie on the counters known here`;
  return weighted ? byWeight(best, why) : uniform(best, why);
}

/** ip_vs_mh_get: hsiphash(source address + port, hash1) mod the table size. */
function maglevLookupIndex(src: number, port: number, size: number): number {
  return hsiphash32((port + src) >>> 0, MH_KEY1) % size;
}
