import type { Service } from 'kubernetes-types/core/v1.js';

export interface EnvVar {
  readonly name: string;
  readonly value: string;
}

/** makeEnvVariableName: upper case, dashes to underscores. */
function envName(s: string): string {
  return s.toUpperCase().replace(/-/g, '_');
}

/** IsServiceIPSet: a ClusterIP that is neither empty nor "None". */
function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}

/**
 * The variables kubelet's envvars.FromServices makes for each Service: `<SVC>_SERVICE_HOST`,
 * `<SVC>_SERVICE_PORT` (the first port), `<SVC>_SERVICE_PORT_<NAME>` for named ports, then the
 * Docker-link ones: `<SVC>_PORT` and, per port, `<SVC>_PORT_<port>_<PROTO>` with `_PROTO`, `_PORT`
 * and `_ADDR`. Services without a ClusterIP (headless, ExternalName) get none.
 */
export function serviceEnvVars(services: readonly Service[]): EnvVar[] {
  const out: EnvVar[] = [];
  for (const svc of services) {
    if (!hasClusterIP(svc)) continue;
    const ports = svc.spec?.ports ?? [];
    const first = ports[0];
    if (first === undefined) continue;
    const name = envName(svc.metadata?.name ?? '');
    const ip = svc.spec?.clusterIP ?? '';
    out.push({ name: `${name}_SERVICE_HOST`, value: ip });
    out.push({ name: `${name}_SERVICE_PORT`, value: String(first.port) });
    for (const p of ports) if (p.name !== undefined && p.name !== '') out.push({ name: `${name}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
    ports.forEach((p, i) => {
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      const url = `${proto}://${ip}:${p.port}`;
      const prefix = `${name}_PORT_${p.port}_${proto.toUpperCase()}`;
      if (i === 0) out.push({ name: `${name}_PORT`, value: url });
      out.push({ name: prefix, value: url });
      out.push({ name: `${prefix}_PROTO`, value: proto });
      out.push({ name: `${prefix}_PORT`, value: String(p.port) });
      out.push({ name: `${prefix}_ADDR`, value: ip });
    });
  }
  return out;
}

/**
 * The service variables a pod gets (kubelet getServiceEnvVarMap): default/kubernetes always, and,
 * with enableServiceLinks (the default), every Service of the pod's namespace, a namespace Service
 * hiding a same-named master one. Sorted by Service name, then in FromServices order.
 */
export function podServiceEnv(pod: { namespace: string; enableServiceLinks: boolean }, services: readonly Service[]): EnvVar[] {
  const chosen = new Map<string, Service>();
  for (const s of services) {
    if (s.metadata?.namespace === 'default' && s.metadata.name === 'kubernetes') chosen.set('kubernetes', s);
  }
  if (pod.enableServiceLinks) {
    for (const s of services) if (s.metadata?.namespace === pod.namespace) chosen.set(s.metadata.name ?? '', s);
  }
  const sorted = [...chosen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  return serviceEnvVars(sorted);
}
