import { isJsonObject } from '../object.js';
import { fieldError } from './field-error.js';
import { isValidIp } from './ip.js';
import { dns1035Label, dns1123Label, dns1123Subdomain, ianaSvcName, portNumber } from './names.js';
import { pathSegmentName } from './rbac.js';
import { Collector } from './values.js';

/**
 * Ingress and IngressClass checks after pkg/apis/networking/validation (networking.k8s.io/v1): what an Ingress must
 * say for an ingress controller to act on it, though kubewire runs none (as a cluster without one installed).
 */

const WILDCARD_DNS1123_SUBDOMAIN = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const WILDCARD_MESSAGE =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'] as const;
/** What an Exact or Prefix path may not contain or end with (validateHTTPIngressPath). */
const INVALID_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'] as const;
const INVALID_SUFFIXES = ['/..', '/.'] as const;
const HTTP_PATH = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

/** A host as a rule or a TLS entry names it: a DNS subdomain, or a wildcard one ("*.example.com"). */
function validateHost(c: Collector, host: string, field: string): void {
  if (host.includes('*')) {
    const errs = host.length > 253 ? ['must be no more than 253 characters'] : [];
    if (!WILDCARD_DNS1123_SUBDOMAIN.test(host)) errs.push(WILDCARD_MESSAGE);
    c.syntax(field, host, errs);
  } else {
    c.syntax(field, host, dns1123Subdomain(host));
  }
}

/** validateIngressBackend: a Service (name and one of port name or number) or a typed resource, exactly one. */
function validateBackend(c: Collector, v: unknown, field: string): void {
  const b = c.obj(v, field) ?? {};
  const service = b['service'];
  const resource = b['resource'];
  if (service !== undefined && resource !== undefined) {
    c.add(fieldError.invalid(field, '', 'cannot set both resource and service backends'));
    return;
  }
  if (service === undefined && resource === undefined) {
    c.add(fieldError.invalid(field, '', 'resource or service backend is required'));
    return;
  }
  if (service !== undefined) {
    const s = c.obj(service, `${field}.service`) ?? {};
    const name = c.str(s['name'], `${field}.service.name`) ?? '';
    if (name === '') c.add(fieldError.required(`${field}.service.name`));
    else c.syntax(`${field}.service.name`, name, dns1035Label(name));
    const port = c.obj(s['port'], `${field}.service.port`) ?? {};
    const portName = c.str(port['name'], `${field}.service.port.name`) ?? '';
    const portNum = c.int(port['number'], `${field}.service.port.number`) ?? 0;
    if (portName !== '' && portNum !== 0) c.add(fieldError.invalid(field, '', 'cannot set both port name & port number'));
    else if (portName !== '') c.syntax(`${field}.service.port.name`, portName, ianaSvcName(portName));
    else if (portNum !== 0) {
      for (const m of portNumber(portNum)) c.add(fieldError.invalid(`${field}.service.port.number`, portNum, m));
    } else c.add(fieldError.required(field, 'port name or number is required'));
    return;
  }
  validateTypedReference(c, resource, `${field}.resource`);
}

/** validateIngressTypedLocalObjectReference (a backend's resource, an IngressClass's parameters share its checks). */
function validateTypedReference(c: Collector, v: unknown, field: string): void {
  const r = c.obj(v, field) ?? {};
  const group = r['apiGroup'];
  if (typeof group === 'string') c.syntax(`${field}.apiGroup`, group, dns1123Subdomain(group));
  for (const key of ['kind', 'name'] as const) {
    const s = c.str(r[key], `${field}.${key}`) ?? '';
    if (s === '') c.add(fieldError.required(`${field}.${key}`, `${key} is required`));
    else c.syntax(`${field}.${key}`, s, pathSegmentName(s));
  }
}

function validatePath(c: Collector, v: unknown, field: string): void {
  const p = c.obj(v, field) ?? {};
  const pathType = c.str(p['pathType'], `${field}.pathType`);
  const path = c.str(p['path'], `${field}.path`) ?? '';
  if (pathType === undefined) {
    c.add(fieldError.required(`${field}.pathType`, 'pathType must be specified'));
    return;
  }
  if (pathType === 'Exact' || pathType === 'Prefix') {
    if (!path.startsWith('/')) c.add(fieldError.invalid(`${field}.path`, path, 'must be an absolute path'));
    for (const seq of INVALID_SEQUENCES) if (path.includes(seq)) c.add(fieldError.invalid(`${field}.path`, path, `must not contain '${seq}'`));
    for (const suf of INVALID_SUFFIXES) if (path.endsWith(suf)) c.add(fieldError.invalid(`${field}.path`, path, `cannot end with '${suf}'`));
  } else if (pathType === 'ImplementationSpecific') {
    if (path !== '' && !path.startsWith('/')) c.add(fieldError.invalid(`${field}.path`, path, 'must be an absolute path'));
  } else {
    c.add(fieldError.notSupported(`${field}.pathType`, pathType, PATH_TYPES));
  }
  validateBackend(c, p['backend'], `${field}.backend`);
}

/** ValidateIngressSpec: a default backend or rules; each rule's host and HTTP paths; TLS hosts and secret names. */
export function validateIngress(c: Collector, obj: Record<string, unknown>): void {
  const spec = c.obj(obj['spec'], 'spec') ?? {};
  const rules = c.arr(spec['rules'], 'spec.rules');
  if (spec['defaultBackend'] !== undefined) validateBackend(c, spec['defaultBackend'], 'spec.defaultBackend');
  else if (rules.length === 0) c.add(fieldError.invalid('spec', rules, 'either `defaultBackend` or `rules` must be specified'));
  rules.forEach((r, i) => {
    const rule = c.obj(r, `spec.rules[${i}]`) ?? {};
    const host = c.str(rule['host'], `spec.rules[${i}].host`) ?? '';
    if (host !== '') {
      if (isValidIp(host)) c.add(fieldError.invalid(`spec.rules[${i}].host`, host, 'must be a DNS name, not an IP address'));
      validateHost(c, host, `spec.rules[${i}].host`);
    }
    if (rule['http'] === undefined) return;
    const http = c.obj(rule['http'], `spec.rules[${i}].http`) ?? {};
    const paths = c.arr(http['paths'], `spec.rules[${i}].http.paths`);
    if (paths.length === 0) c.add(fieldError.required(`spec.rules[${i}].http.paths`));
    paths.forEach((p, j) => validatePath(c, p, `spec.rules[${i}].http.paths[${j}]`));
  });
  c.arr(spec['tls'], 'spec.tls').forEach((t, i) => {
    const tls = c.obj(t, `spec.tls[${i}]`) ?? {};
    c.arr(tls['hosts'], `spec.tls[${i}].hosts`).forEach((h, j) => {
      const host = c.str(h, `spec.tls[${i}].hosts[${j}]`);
      if (host !== undefined) validateHost(c, host, `spec.tls[${i}].hosts[${j}]`);
    });
    const secret = c.str(tls['secretName'], `spec.tls[${i}].secretName`) ?? '';
    if (secret !== '') c.syntax(`spec.tls[${i}].secretName`, secret, dns1123Subdomain(secret));
  });
  const className = c.str(spec['ingressClassName'], 'spec.ingressClassName');
  if (className !== undefined) c.syntax('spec.ingressClassName', className, dns1123Subdomain(className));
}

/** On create only: the legacy class annotation, when both are given, must name the same class. */
export function validateIngressClassAnnotation(c: Collector, obj: Record<string, unknown>, annotations: Readonly<Record<string, string>> | undefined): void {
  const legacy = annotations?.['kubernetes.io/ingress.class'];
  const spec = isJsonObject(obj['spec']) ? obj['spec'] : {};
  const className = spec['ingressClassName'];
  if (legacy !== undefined && typeof className === 'string' && legacy !== className) {
    c.add(fieldError.invalid('annotations.kubernetes.io/ingress.class', legacy, 'must match `ingressClassName` when both are specified'));
  }
}

/** ValidateIngressClass: a domain-prefixed controller name (at most 250 characters) and well-formed parameters. */
export function validateIngressClass(c: Collector, obj: Record<string, unknown>): void {
  const spec = c.obj(obj['spec'], 'spec') ?? {};
  const controller = c.str(spec['controller'], 'spec.controller') ?? '';
  if (controller.length > 250) c.add(fieldError.tooLong('spec.controller', 250));
  const slash = controller.indexOf('/');
  if (controller === '') c.add(fieldError.required('spec.controller'));
  else if (slash <= 0 || slash === controller.length - 1) c.add(fieldError.invalid('spec.controller', controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  else {
    const host = controller.slice(0, slash);
    const path = controller.slice(slash + 1);
    c.syntax('spec.controller', host, dns1123Subdomain(host));
    if (!HTTP_PATH.test(path)) c.add(fieldError.invalid('spec.controller', path, "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"));
  }
  if (spec['parameters'] === undefined) return;
  validateTypedReference(c, spec['parameters'], 'spec.parameters');
  const p = c.obj(spec['parameters'], 'spec.parameters') ?? {};
  const scope = c.str(p['scope'], 'spec.parameters.scope');
  const namespace = c.str(p['namespace'], 'spec.parameters.namespace');
  if (scope === undefined) c.add(fieldError.required('spec.parameters.scope'));
  else if (scope === 'Namespace') {
    if (namespace === undefined) c.add(fieldError.required('spec.parameters.namespace', "`parameters.scope` is set to 'Namespace'"));
    else c.syntax('spec.parameters.namespace', namespace, dns1123Label(namespace));
  } else if (scope === 'Cluster') {
    if (namespace !== undefined) c.add(fieldError.forbidden('spec.parameters.namespace', "`parameters.scope` is set to 'Cluster'"));
  } else c.add(fieldError.notSupported('spec.parameters.scope', scope, ['Cluster', 'Namespace']));
}
