import type { IpProto } from '../addr/index.js';
import { InputError } from '../lib/index.js';
import { type ConnectionResult, Tracer, type TraceResult, traceConnection } from '../datapath/index.js';
import { makePacket } from '../packet/index.js';
import { resolveEndpoint } from './endpoints.js';
import type { Cluster } from './model.js';

export interface ClusterTraceRequest {
  readonly from: string;
  readonly to: string;
  readonly proto?: IpProto;
  readonly sport?: number;
  readonly dport?: number;
  readonly ttl?: number;
  /** Also trace each delivered path's reply back through conntrack. */
  readonly connection?: boolean;
}

/** The ephemeral source port used when none is given (inside Linux's default 32768-60999). */
export const DEFAULT_SPORT = 40000;

/** Resolves both endpoints and traces one packet from the source's namespace. */
export function traceInCluster(cluster: Cluster, req: ClusterTraceRequest, tracer = new Tracer(cluster.network)): TraceResult | ConnectionResult {
  const from = resolveEndpoint(cluster, req.from, 'from');
  const to = resolveEndpoint(cluster, req.to, 'to');
  if (from.netns === undefined) throw new InputError('KW_TRACE_ENDPOINT', `--from "${req.from}": no pod, node or external host has that address, so nothing can send from it`);
  const proto = req.proto ?? to.protocol ?? 'tcp';
  const dport = req.dport ?? to.port;
  if (proto !== 'icmp' && dport === undefined) throw new InputError('KW_TRACE_ENDPOINT', `--to "${req.to}": no port given; add :<port> (or use --proto icmp)`);
  const packet = makePacket({ src: from.ip, dst: to.ip, proto, sport: proto === 'icmp' ? 1 : (req.sport ?? DEFAULT_SPORT), dport: proto === 'icmp' ? 0 : (dport ?? 0), ttl: req.ttl ?? 64 });
  return req.connection === true ? traceConnection(tracer, { from: from.netns, packet }) : tracer.trace({ from: from.netns, packet });
}
