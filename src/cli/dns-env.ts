import { type DnsAnswer, formatRecord, LiveCluster, type RecordType, traceInCluster } from '../cluster/index.js';
import { InputError } from '../lib/index.js';
import { loadTopology } from '../topology/index.js';

export const DNS_TYPES = ['A', 'AAAA', 'SRV', 'CNAME'] as const;

/** dig-style sections: question, status, answer, additional. */
export function renderDnsAnswer(a: DnsAnswer): string {
  const lines = [`;; QUESTION SECTION:`, `;${a.name}\t\tIN\t${a.type}`, ``, `;; status: ${a.rcode}, ANSWER: ${a.answers.length}, ADDITIONAL: ${a.additional.length}`];
  if (a.answers.length > 0) lines.push('', ';; ANSWER SECTION:', ...a.answers.map(formatRecord));
  if (a.additional.length > 0) lines.push('', ';; ADDITIONAL SECTION:', ...a.additional.map(formatRecord));
  return lines.join('\n') + '\n';
}

/**
 * `kubewire dns <topology> <name>`: brings the topology up through the control plane and answers
 * as CoreDNS would for a pod in --namespace (search path, ndots:5); then traces that pod's query
 * to the kube-dns Service to show which CoreDNS pods it reaches.
 */
export async function dnsCommand(topology: string, name: string, o: { type?: string; namespace?: string; from?: string }): Promise<string> {
  const type = (o.type ?? 'A').toUpperCase();
  if (!(DNS_TYPES as readonly string[]).includes(type)) throw new InputError('KW_CLI_USAGE', `--type ${o.type ?? ''}: expected one of ${DNS_TYPES.join(', ')}`);
  const live = await LiveCluster.start(await loadTopology(topology));
  const c = live.cluster();
  let from = o.from;
  let ns = o.namespace ?? 'default';
  if (from !== undefined) {
    const m = /^pod\/([^/]+)\/([^/]+)$/.exec(from);
    if (m === null) throw new InputError('KW_CLI_USAGE', `--from ${from}: expected pod/<namespace>/<name>`);
    ns = o.namespace ?? m[1] ?? ns;
  } else {
    const pod = [...c.pods.values()].filter((p) => p.namespace === ns).sort((a, b) => (a.key < b.key ? -1 : 1))[0];
    if (pod !== undefined) from = `pod/${pod.key}`;
  }
  let out = renderDnsAnswer(live.resolve(name, type as RecordType, ns));
  if (from !== undefined && c.services.has('kube-system/kube-dns')) {
    const r = traceInCluster(c, { from, to: 'svc/kube-system/kube-dns:dns' });
    out += `\n;; query path: ${from} -> kube-system/kube-dns ${c.services.get('kube-system/kube-dns')?.spec?.clusterIP ?? ''}:53/udp\n`;
    for (const p of r.paths) {
      const to = p.delivered === null ? `${p.verdict}${p.reason === null ? '' : ` (${p.reason})`}` : `${p.delivered.pod ?? p.delivered.ip} on ${p.delivered.node ?? '?'}`;
      out += `;;   ${p.probability.toString()}  ${to}\n`;
    }
  }
  return out;
}

/** `kubewire env <topology> pod/<ns>/<name>`: the Service variables the kubelet puts in the pod's containers. */
export async function envCommand(topology: string, pod: string): Promise<string> {
  const m = /^pod\/([^/]+)\/([^/]+)$/.exec(pod);
  if (m === null) throw new InputError('KW_CLI_USAGE', `"${pod}": expected pod/<namespace>/<name>`);
  const live = await LiveCluster.start(await loadTopology(topology));
  return live.env(m[1] ?? '', m[2] ?? '').map((e) => `${e.name}=${e.value}\n`).join('');
}
