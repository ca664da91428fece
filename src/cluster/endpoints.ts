import { type Ip4, ip4ToString, parsePort, tryParseIp4 } from '../addr/index.js';
import { InputError } from '../lib/index.js';
import type { Cluster } from './model.js';

/** A trace endpoint resolved against a cluster: the namespace to start from (sources) and the address. */
export interface ResolvedEndpoint {
  readonly text: string;
  /** The namespace that owns the address, if modelled (unknown IPs have none). */
  readonly netns: string | undefined;
  readonly ip: Ip4;
  /** The port given or implied (a Service port, a pod's first containerPort), if any. */
  readonly port: number | undefined;
  /** A Service port's protocol, when the endpoint names a Service port. */
  readonly protocol?: 'tcp' | 'udp' | 'sctp';
  /** `namespace/name` when the endpoint names a Service. */
  readonly service?: string;
}

const FORMS = 'pod/<ns>/<name>[:port], node/<name>[:port], svc/<ns>/<name>:<port>, external/<name>[:port] or <ip>[:<port>]';

/**
 * Parses `pod/<ns>/<name>`, `node/<name>`, `svc/<ns>/<name>:<port>`, `external/<name>` or
 * `<ip>[:<port>]`; a `:port` suffix is accepted on every form. A Service port may be named by
 * its name or number.
 */
export function resolveEndpoint(cluster: Cluster, text: string, role: 'from' | 'to'): ResolvedEndpoint {
  const bad = (why: string): never => {
    throw new InputError('KW_TRACE_ENDPOINT', `--${role} "${text}": ${why}`);
  };
  const [kind, ...rest] = text.split('/');
  if (rest.length === 0) {
    const m = /^([^:]+)(?::(\d+))?$/.exec(text);
    const ip = m?.[1] === undefined ? undefined : tryParseIp4(m[1]);
    if (m === null || ip === undefined) return bad(`not an endpoint; expected ${FORMS}`);
    const port = m[2] === undefined ? undefined : parsePort(m[2], `--${role} ${text}`);
    return { text, netns: ownerOf(cluster, ip), ip, port };
  }
  const body = rest.join('/');
  const [name, portText] = splitPort(body);
  const port = portText === undefined ? undefined : /^\d+$/.test(portText) ? parsePort(portText, `--${role} ${text}`) : portText;
  switch (kind) {
    case 'pod': {
      const pod = cluster.pods.get(name);
      if (pod === undefined) return bad(`no pod ${name}${suggest([...cluster.pods.keys()])}`);
      const p = typeof port === 'string' ? pod.ports.find((cp) => cp.name === port)?.containerPort ?? bad(`pod ${name} has no container port named ${port}`) : port;
      return { text, netns: pod.netns.name, ip: pod.ip, port: p ?? pod.ports[0]?.containerPort };
    }
    case 'node': {
      const node = cluster.nodes.get(name);
      if (node === undefined) return bad(`no node ${name}${suggest([...cluster.nodes.keys()])}`);
      return { text, netns: node.netns.name, ip: node.spec.ip, port: typeof port === 'number' ? port : undefined };
    }
    case 'external': {
      const ext = cluster.externals.get(name);
      if (ext === undefined) return bad(`no external host ${name}${suggest([...cluster.externals.keys()])}`);
      return { text, netns: ext.netns.name, ip: ext.ip, port: typeof port === 'number' ? port : undefined };
    }
    case 'svc': {
      if (role === 'from') return bad('a Service cannot send packets; trace from a pod, node, external host or IP');
      const svc = cluster.services.get(name);
      if (svc === undefined) return bad(`no Service ${name}${suggest([...cluster.services.keys()])}`);
      const ports = svc.spec?.ports ?? [];
      if (port === undefined && ports.length !== 1) return bad(`Service ${name} has ${ports.length} ports: name one as svc/${name}:<port>`);
      const sp = port === undefined ? ports[0] : ports.find((p) => p.port === port || p.name === port);
      if (sp === undefined) return bad(`Service ${name} has no port ${String(port)} (ports: ${ports.map((p) => p.name ?? p.port).join(', ')})`);
      const cip = svc.spec?.clusterIP;
      const ip = cip === undefined ? undefined : tryParseIp4(cip);
      if (ip === undefined) return bad(`Service ${name} has no ClusterIP (${svc.spec?.type === 'ExternalName' ? 'ExternalName' : 'headless'}): trace to a pod instead`);
      const proto = (sp.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp' | 'sctp';
      return { text, netns: undefined, ip, port: sp.port, protocol: proto, service: name };
    }
    default:
      return bad(`unknown kind "${kind ?? ''}"; expected ${FORMS}`);
  }
}

function splitPort(body: string): [string, string | undefined] {
  const i = body.lastIndexOf(':');
  return i < 0 ? [body, undefined] : [body.slice(0, i), body.slice(i + 1)];
}

function ownerOf(cluster: Cluster, ip: Ip4): string | undefined {
  const pod = cluster.podsByIp.get(ip);
  if (pod !== undefined) return pod.netns.name;
  for (const n of cluster.nodes.values()) if (n.spec.ip === ip) return n.netns.name;
  for (const e of cluster.externals.values()) if (e.ip === ip) return e.netns.name;
  for (const ns of cluster.network.netns.values()) if (ns.isLocal(ip) && ip >>> 24 !== 127) return ns.name;
  return undefined;
}

function suggest(names: string[]): string {
  return names.length === 0 ? ' (there are none)' : ` (known: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})`;
}

export function describeIp(ip: Ip4): string {
  return ip4ToString(ip);
}
