import { type IpProto, ip4ToString } from '../addr/index.js';
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
  const result = req.connection === true ? traceConnection(tracer, { from: from.netns, packet }) : tracer.trace({ from: from.netns, packet });
  return explainUndeclaredPorts(cluster, explainAffinity(cluster, tracer, from.netns, result, to.service));
}

/** What a pod's kernel answers a first packet to a port nothing listens on. */
const NO_LISTENER: Readonly<Record<string, string>> = { tcp: 'a TCP reset (connection refused)', udp: 'ICMP port unreachable', sctp: 'an SCTP ABORT' };

/**
 * A path delivered to a pod port no container declares: Kubernetes routes it all the same (containerPorts are
 * informational, and a Service's targetPort is not checked against them), so the trace is right to deliver it, but a
 * targetPort that misses the container's port is among the commonest broken Services, and the packet's fate then
 * depends on whether the application listens there anyway. Said on the path, not guessed.
 */
function explainUndeclaredPorts<R extends TraceResult>(cluster: Cluster, r: R): R {
  let changed = false;
  const paths = r.paths.map((p) => {
    const d = p.delivered;
    if (p.verdict !== 'delivered' || d === null || d.pod === null || d.port === null) return p;
    const proto = p.finalPacket.proto;
    const pod = cluster.pods.get(d.pod);
    if (pod === undefined || pod.ports.some((c) => c.containerPort === d.port && c.protocol.toLowerCase() === proto)) return p;
    changed = true;
    const declared = pod.ports.length === 0 ? 'it declares no container port' : `it declares ${pod.ports.map((c) => `${c.containerPort}/${c.protocol}`).join(', ')}`;
    const note = `no container of ${d.pod} declares port ${d.port}/${proto.toUpperCase()} (${declared}): Kubernetes delivers it all the same, but unless the application listens there the pod answers with ${NO_LISTENER[proto] ?? 'an error'}`;
    return { ...p, notes: [...(p.notes ?? []), note] };
  });
  return changed ? { ...r, paths } : r;
}

/**
 * For a Service with sessionAffinity ClientIP, each delivered path is followed by a second
 * connection from the same client (a new source port) starting from the state the first left
 * behind (the `recent` lists, the IPVS persistence template…): where it lands is what the user
 * needs to know, and it is shown rather than asserted.
 */
function explainAffinity<R extends TraceResult>(cluster: Cluster, tracer: Tracer, from: string, r: R, serviceKey: string | undefined): R {
  const svc = serviceKey === undefined ? undefined : cluster.services.get(serviceKey);
  if (svc?.spec?.sessionAffinity !== 'ClientIP') return r;
  const timeout = svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800;
  const paths = r.paths.map((p) => {
    if (p.verdict !== 'delivered' || p.delivered === null) return p;
    const again = tracer.trace({ from, packet: { ...r.packet, sport: r.packet.sport + 1 }, ...(p.finalState === undefined ? {} : { pathState: p.finalState }) });
    const pods = [...new Set(again.paths.map((q) => q.delivered?.pod ?? q.verdict))];
    const where = p.delivered.pod ?? p.delivered.ip;
    const note =
      pods.length === 1 && pods[0] === where
        ? `sessionAffinity ClientIP: later connections from ${ip4ToString(r.packet.src)} within ${timeout} s go to ${where} too (a second connection traced from this path's state lands there with probability 1)`
        : `sessionAffinity ClientIP: a second connection from ${ip4ToString(r.packet.src)} lands on ${pods.join(', ')}`;
    return { ...p, notes: [...(p.notes ?? []), note] };
  });
  return { ...r, paths };
}
