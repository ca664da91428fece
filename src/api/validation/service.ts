import { fieldError } from './field-error.js';
import { isValidIp, IP_MESSAGE } from './ip.js';
import { validateLabels } from './meta.js';
import { dns1123Label, dns1123Subdomain, ianaSvcName } from './names.js';
import { validateProtocol } from './pod.js';
import { Collector, intOrString } from './values.js';

/** Service checks after ValidateService (pkg/apis/core/validation) and the NodePort allocator's range check. */
export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
const AFFINITIES = ['ClientIP', 'None'] as const;
const TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;

export interface ServiceValidationOptions {
  /** The --service-node-port-range of kube-apiserver; 30000-32767 by default. */
  readonly nodePortRange: { readonly min: number; readonly max: number };
}

export const DEFAULT_NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

export function validateServiceSpec(c: Collector, v: unknown, opts: ServiceValidationOptions): void {
  const spec = c.obj(v, 'spec');
  if (spec === undefined) {
    c.add(fieldError.required('spec.ports'));
    return;
  }
  const type = c.str(spec['type'], 'spec.type') ?? 'ClusterIP';
  if (!(SERVICE_TYPES as readonly string[]).includes(type)) c.add(fieldError.notSupported('spec.type', type, SERVICE_TYPES));
  const clusterIP = c.str(spec['clusterIP'], 'spec.clusterIP') ?? '';
  const headless = clusterIP === 'None';
  if (clusterIP !== '' && !headless && !isValidIp(clusterIP)) c.add(fieldError.invalid('spec.clusterIP', clusterIP, IP_MESSAGE));
  if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
    c.add(fieldError.invalid('spec.clusterIP', clusterIP, `may not be set to 'None' for ${type} services`));
  }
  if (type === 'ExternalName') {
    const en = c.str(spec['externalName'], 'spec.externalName') ?? '';
    if (en === '') c.add(fieldError.required('spec.externalName'));
    else c.syntax('spec.externalName', en, dns1123Subdomain(en.endsWith('.') ? en.slice(0, -1) : en));
    if (clusterIP !== '') c.add(fieldError.forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
  }
  const ports = c.arr(spec['ports'], 'spec.ports');
  if (ports.length === 0 && !headless && type !== 'ExternalName') c.add(fieldError.required('spec.ports'));
  const requireName = ports.length > 1;
  const names = new Set<string>();
  const portProto = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((raw, i) => {
    const f = `spec.ports[${i}]`;
    const p = c.obj(raw, f);
    if (p === undefined) return;
    const name = c.str(p['name'], `${f}.name`) ?? '';
    if (name === '') {
      if (requireName) c.add(fieldError.required(`${f}.name`));
    } else {
      c.syntax(`${f}.name`, name, dns1123Label(name));
      if (names.has(name)) c.add(fieldError.duplicate(`${f}.name`, name));
      names.add(name);
    }
    const port = c.int(p['port'], `${f}.port`);
    if (port === undefined) {
      if (p['port'] === undefined || p['port'] === null) c.add(fieldError.required(`${f}.port`));
    } else if (port < 1 || port > 65535) c.add(fieldError.invalid(`${f}.port`, port, 'must be between 1 and 65535, inclusive'));
    const proto = c.str(p['protocol'], `${f}.protocol`) ?? 'TCP';
    validateProtocol(c, proto, `${f}.protocol`);
    const key = `${port ?? ''}/${proto}`;
    if (portProto.has(key)) c.add(fieldError.duplicate(f, { port, protocol: proto }));
    portProto.add(key);
    const tp = intOrString(c, p['targetPort'], `${f}.targetPort`);
    if (typeof tp === 'number' && (tp < 1 || tp > 65535)) {
      c.add(fieldError.invalid(`${f}.targetPort`, tp, 'must be between 1 and 65535, inclusive'));
    } else if (typeof tp === 'string') c.syntax(`${f}.targetPort`, tp, ianaSvcName(tp));
    const np = c.int(p['nodePort'], `${f}.nodePort`);
    if (np !== undefined && np !== 0) {
      if (type === 'ClusterIP' || type === 'ExternalName') {
        c.add(fieldError.forbidden(`${f}.nodePort`, `may not be used when \`type\` is '${type}'`));
      } else if (np < opts.nodePortRange.min || np > opts.nodePortRange.max) {
        c.add(
          fieldError.invalid(
            `${f}.nodePort`,
            np,
            `provided port is not in the valid range. The range of valid ports is ${opts.nodePortRange.min}-${opts.nodePortRange.max}`,
          ),
        );
      }
      const nk = `${np}/${proto}`;
      if (nodePorts.has(nk)) c.add(fieldError.duplicate(`${f}.nodePort`, np));
      nodePorts.add(nk);
    }
  });
  if (type !== 'ExternalName') validateLabels(c, spec['selector'], 'spec.selector');
  const aff = c.str(spec['sessionAffinity'], 'spec.sessionAffinity');
  if (aff !== undefined && !(AFFINITIES as readonly string[]).includes(aff)) c.add(fieldError.notSupported('spec.sessionAffinity', aff, AFFINITIES));
  const etp = c.str(spec['externalTrafficPolicy'], 'spec.externalTrafficPolicy');
  if (etp !== undefined && etp !== '') {
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      c.add(fieldError.invalid('spec.externalTrafficPolicy', etp, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
    } else if (!(TRAFFIC_POLICIES as readonly string[]).includes(etp)) {
      c.add(fieldError.notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
    }
  }
  const itp = c.str(spec['internalTrafficPolicy'], 'spec.internalTrafficPolicy');
  if (itp !== undefined && !(TRAFFIC_POLICIES as readonly string[]).includes(itp)) {
    c.add(fieldError.notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  }
  c.arr(spec['externalIPs'], 'spec.externalIPs').forEach((ip, i) => {
    const s = c.str(ip, `spec.externalIPs[${i}]`);
    if (s !== undefined && !isValidIp(s)) c.add(fieldError.invalid(`spec.externalIPs[${i}]`, s, IP_MESSAGE));
  });
}
