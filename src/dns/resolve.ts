import type { Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { DnsAnswer, DnsOptions, DnsRecord, DnsSource, RecordType } from './records.js';

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function fqdn(n: string): string {
  return n.endsWith('.') ? n : `${n}.`;
}

interface Ctx {
  readonly src: DnsSource;
  readonly zone: string;
  readonly ttl: number;
}

/** Ready endpoints (or all, with publishNotReadyAddresses), as CoreDNS serves headless Services. */
function endpointsOf(ctx: Ctx, svc: Service): { ep: Endpoint; slice: EndpointSlice }[] {
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const out: { ep: Endpoint; slice: EndpointSlice }[] = [];
  for (const slice of ctx.src.slices(svc.metadata?.namespace ?? '', svc.metadata?.name ?? '')) {
    for (const ep of slice.endpoints) if (publish || ep.conditions?.ready !== false) out.push({ ep, slice });
  }
  return out;
}

function endpointHost(ep: Endpoint): string {
  return ep.hostname ?? (ep.addresses[0] ?? '').replace(/\./g, '-');
}

/**
 * CoreDNS's kubernetes plugin over the cluster's objects (the Kubernetes DNS specification):
 * `<svc>.<ns>.svc.<zone>` A → the ClusterIP, or for a headless Service each ready endpoint;
 * ExternalName → a CNAME; `_<port>._<proto>.<svc>.<ns>.svc.<zone>` SRV for named ports (targets
 * the Service name, or each endpoint's `<hostname|a-b-c-d>.<svc>...` when headless);
 * `<hostname>.<svc>.<ns>.svc.<zone>` A for a headless Service's endpoint; `<a-b-c-d>.<ns>.pod.<zone>`
 * A (`pods insecure`, kubeadm's default). IPv4 only, so AAAA is always NOERROR without answers for
 * names that exist. Anything else in the zone is NXDOMAIN.
 */
export function resolveFqdn(src: DnsSource, qname: string, type: RecordType, opts: DnsOptions = {}): DnsAnswer {
  const zone = (opts.clusterDomain ?? 'cluster.local').replace(/\.$/, '');
  const ctx: Ctx = { src, zone, ttl: opts.ttl ?? 30 };
  const name = fqdn(qname.toLowerCase());
  const nx: DnsAnswer = { name, type, rcode: 'NXDOMAIN', answers: [], additional: [] };
  const labels = name.slice(0, -1).split('.');
  const zl = zone.split('.');
  if (labels.length <= zl.length || labels.slice(-zl.length).join('.') !== zone) return nx;
  const rest = labels.slice(0, -zl.length);
  const kind = rest[rest.length - 1];
  const ok = (answers: DnsRecord[], additional: DnsRecord[] = []): DnsAnswer => ({ name, type, rcode: 'NOERROR', answers: type === 'AAAA' ? [] : answers, additional });
  const rec = (n: string, t: RecordType, data: string): DnsRecord => ({ name: fqdn(n), ttl: ctx.ttl, type: t, data });

  if (kind === 'pod' && rest.length === 3) {
    const ip = (rest[0] ?? '').replace(/-/g, '.');
    if (!IPV4.test(ip)) return nx;
    return type === 'A' || type === 'AAAA' ? ok([rec(name, 'A', ip)]) : ok([]);
  }
  if (kind !== 'svc' || rest.length < 3) return nx;
  const ns = rest[rest.length - 2] ?? '';
  const svcName = rest[rest.length - 3] ?? '';
  const svc = src.service(ns, svcName);
  if (svc === undefined) return nx;
  const base = `${svcName}.${ns}.svc.${zone}`;
  const headless = svc.spec?.clusterIP === 'None';
  const prefix = rest.slice(0, -3);

  if (svc.spec?.type === 'ExternalName') {
    if (prefix.length > 0) return nx;
    return { name, type, rcode: 'NOERROR', answers: [rec(name, 'CNAME', fqdn(svc.spec.externalName ?? ''))], additional: [] };
  }
  if (prefix.length === 1) {
    // <hostname>.<svc>.<ns>.svc: one endpoint of a headless Service.
    if (!headless) return nx;
    const hit = endpointsOf(ctx, svc).filter(({ ep }) => endpointHost(ep) === prefix[0]);
    if (hit.length === 0) return nx;
    return type === 'A' || type === 'AAAA' ? ok(hit.map(({ ep }) => rec(name, 'A', ep.addresses[0] ?? ''))) : ok([]);
  }
  if (prefix.length === 2) {
    // _<port>._<proto>.<svc>.<ns>.svc: SRV for a named port.
    const [p, proto] = prefix;
    if (p === undefined || proto === undefined || !p.startsWith('_') || !proto.startsWith('_')) return nx;
    const port = (svc.spec?.ports ?? []).find((sp) => sp.name === p.slice(1) && (sp.protocol ?? 'TCP').toLowerCase() === proto.slice(1));
    if (port === undefined) return nx;
    if (type !== 'SRV') return ok([]);
    return srv(ctx, svc, base, name, [port.name ?? ''], rec);
  }
  if (prefix.length > 2) return nx;
  if (type === 'SRV') return srv(ctx, svc, base, name, (svc.spec?.ports ?? []).map((p) => p.name ?? ''), rec);
  if (type === 'CNAME') return ok([]);
  if (!headless) return ok(svc.spec?.clusterIP === undefined || svc.spec.clusterIP === '' ? [] : [rec(name, 'A', svc.spec.clusterIP)]);
  return ok(endpointsOf(ctx, svc).map(({ ep }) => rec(name, 'A', ep.addresses[0] ?? '')));
}

function srv(ctx: Ctx, svc: Service, base: string, name: string, portNames: readonly string[], rec: (n: string, t: RecordType, d: string) => DnsRecord): DnsAnswer {
  const answers: DnsRecord[] = [];
  const additional: DnsRecord[] = [];
  if (svc.spec?.clusterIP !== 'None') {
    const ports = (svc.spec?.ports ?? []).filter((p) => portNames.includes(p.name ?? ''));
    const w = Math.floor(100 / Math.max(1, ports.length));
    for (const p of ports) answers.push(rec(name, 'SRV', `0 ${w} ${p.port} ${base}.`));
    if (ports.length > 0 && svc.spec?.clusterIP !== undefined) additional.push(rec(base, 'A', svc.spec.clusterIP));
  } else {
    const eps = endpointsOf(ctx, svc);
    const items: { port: number; target: string; ip: string }[] = [];
    for (const { ep, slice } of eps) {
      for (const p of slice.ports ?? []) {
        if (!portNames.includes(p.name ?? '') || p.port === undefined) continue;
        items.push({ port: p.port, target: `${endpointHost(ep)}.${base}`, ip: ep.addresses[0] ?? '' });
      }
    }
    // CoreDNS spreads weight over the records of one priority.
    const w = Math.floor(100 / Math.max(1, items.length));
    for (const it of items) {
      answers.push(rec(name, 'SRV', `0 ${w} ${it.port} ${it.target}.`));
      additional.push(rec(it.target, 'A', it.ip));
    }
  }
  return { name, type: 'SRV', rcode: 'NOERROR', answers, additional };
}

/**
 * A lookup as a pod's resolver makes it (ClusterFirst: search `<ns>.svc.<zone> svc.<zone> <zone>`,
 * ndots:5): a name with fewer than five dots is tried with each search domain first, then as is.
 */
export function resolve(src: DnsSource, qname: string, type: RecordType, opts: DnsOptions & { namespace?: string } = {}): DnsAnswer {
  const zone = (opts.clusterDomain ?? 'cluster.local').replace(/\.$/, '');
  const ns = opts.namespace ?? 'default';
  if (qname.endsWith('.')) return resolveFqdn(src, qname, type, opts);
  const dots = qname.split('.').length - 1;
  const search = [`${ns}.svc.${zone}`, `svc.${zone}`, zone];
  const tries = dots >= 5 ? [qname, ...search.map((s) => `${qname}.${s}`)] : [...search.map((s) => `${qname}.${s}`), qname];
  let last: DnsAnswer | undefined;
  for (const n of tries) {
    last = resolveFqdn(src, n, type, opts);
    if (last.rcode === 'NOERROR') return last;
  }
  return last ?? resolveFqdn(src, qname, type, opts);
}
