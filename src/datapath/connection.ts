import { ip4ToString } from '../addr/index.js';
import { type Packet, flowKey } from '../packet/index.js';
import type { TraceRequest, Tracer } from './tracer.js';
import type { TraceHop, TracePath, TraceResult, Verdict } from './types.js';

export interface ReplyTrace {
  readonly verdict: Verdict;
  readonly reason: string | null;
  readonly hops: readonly TraceHop[];
}

export interface ConnectionPath extends TracePath {
  /** The reply's fate, for paths that delivered the first packet; null otherwise. */
  readonly reply: ReplyTrace | null;
}

export interface ConnectionResult extends TraceResult {
  readonly paths: readonly ConnectionPath[];
}

/**
 * Traces a connection: the first packet, then for each path that delivered it, the reply sent
 * back from the receiver through the conntrack entries that path created. A connection only
 * works when the reply reaches the sender with the addresses the sender used, reversed; a
 * reply that skips the node which translated the request (kubernetes#74383) arrives from the
 * endpoint's own address, and the sender resets it.
 */
export function traceConnection(tracer: Tracer, req: TraceRequest): ConnectionResult {
  const first = tracer.trace(req);
  const paths = first.paths.map((p): ConnectionPath => {
    if (p.verdict !== 'delivered') return { ...p, reply: null };
    const reply: Packet = { ...p.finalPacket, src: p.finalPacket.dst, dst: p.finalPacket.src, sport: p.finalPacket.dport, dport: p.finalPacket.sport, ttl: 64, inner: undefined };
    const r = tracer.trace({ from: p.finalNetns, packet: reply, ...(p.finalState === undefined ? {} : { pathState: p.finalState }) });
    return { ...p, reply: judgeReply(req, r.paths) };
  });
  return { packet: first.packet, paths };
}

function judgeReply(req: TraceRequest, replies: readonly TracePath[]): ReplyTrace {
  const sent = req.packet;
  for (const r of replies) {
    if (r.verdict !== 'delivered') return { verdict: r.verdict, reason: `the reply is ${r.verdict}: ${r.reason ?? ''}`, hops: r.hops };
    const got = r.finalPacket;
    if (r.finalNetns !== req.from) {
      return { verdict: 'dropped', reason: `the reply went to ${r.finalNetns}, not back to the sender ${req.from}`, hops: r.hops };
    }
    if (got.src !== sent.dst || got.sport !== sent.dport || got.dst !== sent.src || got.dport !== sent.sport) {
      const expected = flowKey({ ...sent, src: sent.dst, dst: sent.src, sport: sent.dport, dport: sent.sport });
      const why =
        got.src !== sent.dst
          ? `it comes from ${ip4ToString(got.src)}:${got.sport}, not from ${ip4ToString(sent.dst)}:${sent.dport} where the sender sent it: the reply bypassed the node that translated the request, so nothing undid the NAT`
          : 'its addresses do not match the connection';
      const verdict: Verdict = sent.proto === 'tcp' ? 'rejected' : 'dropped';
      const what = sent.proto === 'tcp' ? 'the sender answers with a TCP RST and the connection fails' : 'no socket matches it and it is discarded';
      return { verdict, reason: `reply ${flowKey(got)} does not match ${expected}: ${why}; ${what}`, hops: r.hops };
    }
  }
  const last = replies[0];
  return { verdict: 'delivered', reason: null, hops: last?.hops ?? [] };
}
