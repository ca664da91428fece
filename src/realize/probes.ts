import type { Service } from 'kubernetes-types/core/v1.js';
import { ip4ToString } from '../addr/index.js';
import type { Cluster } from '../cluster/index.js';
import { InputError, Rng } from '../lib/index.js';

export type ProbeKind = 'pod-to-pod' | 'pod-to-service' | 'node-to-service' | 'external-to-nodeport' | 'external-to-loadbalancer' | 'external-to-hostport' | 'pod-to-hostport' | 'node-to-hostport' | 'given';

/** One probe: a source (trace endpoint syntax) and a destination address and port. */
export interface ProbeSpec {
  readonly kind: ProbeKind;
  /** `pod/<ns>/<name>`, `node/<name>` or `external/<name>`. */
  readonly from: string;
  readonly dst: string;
  readonly dport: number;
  readonly proto: 'tcp' | 'udp';
  /** `namespace/name` of the Service the destination belongs to. */
  readonly service?: string;
  readonly serviceType?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** The externalTrafficPolicy that applies to this destination (Cluster for ClusterIPs). */
  readonly trafficPolicy?: 'Cluster' | 'Local';
}

type SvcProto = 'tcp' | 'udp';

function svcProto(p: { protocol?: string }): SvcProto | undefined {
  const v = (p.protocol ?? 'TCP').toLowerCase();
  return v === 'tcp' || v === 'udp' ? v : undefined;
}

/**
 * Every probe the topology offers, in a fixed order: pod to pod (each declared port, TCP and UDP), pod and node to
 * each Service's ClusterIP, nodes and external hosts to every node's NodePorts, external hosts to every
 * LoadBalancer ingress, and external hosts, pods and nodes to every hostPort a pod publishes on its node's address
 * (portmap's rules). default/kubernetes is left out: its endpoint is the API server, which is not realized.
 */
export function candidateProbes(cluster: Cluster): ProbeSpec[] {
  const out: ProbeSpec[] = [];
  const pods = [...cluster.pods.values()].filter((p) => p.netns.name !== cluster.nodes.get(p.node)?.netns.name);
  for (const src of pods) {
    for (const dst of pods) {
      for (const port of new Set(dst.ports.map((p) => p.containerPort))) {
        for (const proto of ['tcp', 'udp'] as const) out.push({ kind: 'pod-to-pod', from: `pod/${src.key}`, dst: ip4ToString(dst.ip), dport: port, proto });
      }
    }
  }
  for (const pod of pods) {
    const nodeIp = cluster.nodes.get(pod.node)?.spec.ip;
    if (nodeIp === undefined) continue;
    const dst = ip4ToString(nodeIp);
    for (const port of pod.ports) {
      const proto = svcProto(port);
      // A hostIP other than the node's own address (or 0.0.0.0) is one the node network never routes to it.
      if (port.hostPort === undefined || port.hostPort <= 0 || proto === undefined || (port.hostIP !== undefined && port.hostIP !== '0.0.0.0' && port.hostIP !== dst)) continue;
      const to = { dst, dport: port.hostPort, proto } as const;
      for (const e of cluster.externals.values()) out.push({ kind: 'external-to-hostport', from: `external/${e.name}`, ...to });
      for (const src of pods) out.push({ kind: 'pod-to-hostport', from: `pod/${src.key}`, ...to });
      for (const n of cluster.nodes.values()) out.push({ kind: 'node-to-hostport', from: `node/${n.spec.name}`, ...to });
    }
  }
  const services = [...cluster.services.entries()].filter(([k]) => k !== 'default/kubernetes');
  const svcFields = (key: string, svc: Service, local: boolean) => ({
    service: key,
    serviceType: (svc.spec?.type ?? 'ClusterIP') as 'ClusterIP' | 'NodePort' | 'LoadBalancer',
    trafficPolicy: local ? ('Local' as const) : ('Cluster' as const),
  });
  for (const [key, svc] of services) {
    const cip = svc.spec?.clusterIP;
    const local = svc.spec?.externalTrafficPolicy === 'Local';
    for (const p of svc.spec?.ports ?? []) {
      const proto = svcProto(p);
      if (proto === undefined) continue;
      if (cip !== undefined && cip !== 'None' && cip !== '') {
        for (const src of pods) out.push({ kind: 'pod-to-service', from: `pod/${src.key}`, dst: cip, dport: p.port, proto, ...svcFields(key, svc, false) });
        for (const n of cluster.nodes.values()) out.push({ kind: 'node-to-service', from: `node/${n.spec.name}`, dst: cip, dport: p.port, proto, ...svcFields(key, svc, false) });
      }
      if (p.nodePort !== undefined) {
        for (const target of cluster.nodes.values()) {
          const dst = ip4ToString(target.spec.ip);
          for (const e of cluster.externals.values()) out.push({ kind: 'external-to-nodeport', from: `external/${e.name}`, dst, dport: p.nodePort, proto, ...svcFields(key, svc, local) });
          for (const n of cluster.nodes.values()) out.push({ kind: 'node-to-service', from: `node/${n.spec.name}`, dst, dport: p.nodePort, proto, ...svcFields(key, svc, local) });
        }
      }
      for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
        if (ing.ip === undefined) continue;
        for (const e of cluster.externals.values()) out.push({ kind: 'external-to-loadbalancer', from: `external/${e.name}`, dst: ing.ip, dport: p.port, proto, ...svcFields(key, svc, local) });
      }
    }
  }
  return out;
}

/** The group a probe covers: its kind, Service type and traffic policy. Selection visits every group first. */
export function coverageKey(p: ProbeSpec): string {
  return `${p.kind} ${p.serviceType ?? '-'} ${p.trafficPolicy ?? '-'} ${p.proto}`;
}

/**
 * `count` probes chosen with a seeded generator: one from each coverage group first (in a shuffled order), then
 * uniformly from all candidates (repeats allowed: they run with fresh source ports, which is how random endpoint
 * choices get exercised).
 */
export function pickProbes(candidates: readonly ProbeSpec[], count: number, seed: number): ProbeSpec[] {
  if (candidates.length === 0) throw new InputError('KW_VERIFY_NO_PROBES', 'the topology offers no probe: it needs pods with containerPorts or Services');
  const rng = new Rng(seed);
  const groups = new Map<string, ProbeSpec[]>();
  for (const c of candidates) {
    const g = groups.get(coverageKey(c)) ?? [];
    g.push(c);
    groups.set(coverageKey(c), g);
  }
  const keys = [...groups.keys()];
  for (let i = keys.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [keys[i], keys[j]] = [keys[j] ?? '', keys[i] ?? ''];
  }
  const out: ProbeSpec[] = [];
  for (const k of keys) {
    if (out.length >= count) break;
    out.push(rng.pick(groups.get(k) ?? []));
  }
  while (out.length < count) out.push(rng.pick(candidates));
  return out;
}

/**
 * A probe given on the command line: `<from>,<dst-ip>:<port>[,tcp|udp]`, e.g. `pod/demo/client,10.96.0.10:80`.
 */
export function parseGivenProbe(text: string, cluster: Cluster): ProbeSpec {
  const bad = (why: string): never => {
    throw new InputError('KW_VERIFY_PROBE', `--probe "${text}": ${why}; expected <from>,<ip>:<port>[,tcp|udp] with <from> pod/<ns>/<name>, node/<name> or external/<name>`);
  };
  const [from, to, protoText, ...rest] = text.split(',');
  if (from === undefined || to === undefined || rest.length > 0) return bad('wrong number of fields');
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(to);
  if (m === null) return bad(`"${to}" is not <ip>:<port>`);
  const proto = protoText ?? 'tcp';
  if (proto !== 'tcp' && proto !== 'udp') return bad(`protocol "${proto}" is not tcp or udp`);
  const [kind, ...name] = from.split('/');
  const key = name.join('/');
  const known = kind === 'pod' ? cluster.pods.has(key) : kind === 'node' ? cluster.nodes.has(key) : kind === 'external' ? cluster.externals.has(key) : false;
  if (!known) return bad(`no source ${from}`);
  return { kind: 'given', from, dst: m[1] ?? '', dport: Number(m[2]), proto };
}
