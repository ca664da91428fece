import test from 'ava';
import { defaultObject, registeredResource, validateObject, type KubeObject } from '../../../src/api/index.js';

const INGRESS = registeredResource('networking.k8s.io', 'ingresses');
const CLASS = registeredResource('networking.k8s.io', 'ingressclasses');

function errors(kind: 'Ingress' | 'IngressClass', body: Record<string, unknown>, old?: KubeObject): string[] {
  const r = kind === 'Ingress' ? INGRESS : CLASS;
  const o = { apiVersion: 'networking.k8s.io/v1', kind, metadata: { name: 'x', ...(kind === 'Ingress' ? { namespace: 'shop' } : {}) }, ...body } as KubeObject;
  defaultObject(r, o);
  return validateObject(r, o, old).map((e) => `${e.field}: ${e.message}`);
}

const svc = (name: string, port: Record<string, unknown>): Record<string, unknown> => ({ service: { name, port } });
const path = (p: Record<string, unknown>): Record<string, unknown> => ({ spec: { rules: [{ host: 'shop.example.com', http: { paths: [p] } }] } });

test('an Ingress needs a default backend or rules; each path a pathType, an absolute clean path and one backend', (t) => {
  t.deepEqual(errors('Ingress', path({ path: '/', pathType: 'Prefix', backend: svc('shop', { number: 80 }) })), []);
  t.deepEqual(errors('Ingress', { spec: { defaultBackend: svc('shop', { name: 'http' }) } }), []);
  t.deepEqual(errors('Ingress', { spec: {} }), ['spec: Invalid value: []: either `defaultBackend` or `rules` must be specified']);
  t.deepEqual(errors('Ingress', path({ path: '/', backend: svc('shop', { number: 80 }) })), ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']);
  t.deepEqual(errors('Ingress', path({ path: '/a/../b', pathType: 'Exact', backend: svc('shop', { number: 80 }) })), ["spec.rules[0].http.paths[0].path: Invalid value: \"/a/../b\": must not contain '/../'"]);
  t.deepEqual(errors('Ingress', path({ path: 'x', pathType: 'Regex', backend: svc('shop', { number: 80 }) })), [
    'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
  ]);
  t.deepEqual(errors('Ingress', path({ path: '/', pathType: 'Prefix', backend: svc('shop', { name: 'http', number: 80 }) })), [
    'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number',
  ]);
  t.deepEqual(errors('Ingress', path({ path: '/', pathType: 'Prefix', backend: { ...svc('shop', { number: 80 }), resource: { kind: 'Bucket', name: 'b' } } })), [
    'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both resource and service backends',
  ]);
  t.deepEqual(errors('Ingress', path({ path: '/', pathType: 'Prefix', backend: svc('shop', { number: 70000 }) })), [
    'spec.rules[0].http.paths[0].backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive',
  ]);
});

test('Ingress hosts are DNS names (a leading wildcard allowed, an IP address not); the legacy class annotation must agree on create', (t) => {
  const rule = (host: string): Record<string, unknown> => ({ spec: { rules: [{ host }] } });
  t.deepEqual(errors('Ingress', rule('*.example.com')), []);
  t.deepEqual(errors('Ingress', rule('192.168.1.1')), ['spec.rules[0].host: Invalid value: "192.168.1.1": must be a DNS name, not an IP address']);
  t.is(errors('Ingress', rule('shop.*.com')).length, 1);
  t.regex(errors('Ingress', rule('shop.*.com'))[0] ?? '', /a wildcard DNS-1123 subdomain must start with '\*\.'/);
  const annotated = { metadata: { name: 'x', namespace: 'shop', annotations: { 'kubernetes.io/ingress.class': 'nginx' } }, spec: { ingressClassName: 'traefik', rules: [{ host: 'a.example.com' }] } };
  t.deepEqual(errors('Ingress', annotated), ['annotations.kubernetes.io/ingress.class: Invalid value: "nginx": must match `ingressClassName` when both are specified']);
});

test('an IngressClass names a domain-prefixed controller, which never changes; parameters default to the Cluster scope', (t) => {
  t.deepEqual(errors('IngressClass', { spec: { controller: 'k8s.io/ingress-nginx', parameters: { kind: 'Params', name: 'p' } } }), []);
  t.deepEqual(errors('IngressClass', { spec: { controller: 'nginx' } }), ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
  t.deepEqual(errors('IngressClass', { spec: { controller: 'k8s.io/x', parameters: { kind: 'P', name: 'p', scope: 'Namespace' } } }), [
    "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
  ]);
  t.deepEqual(errors('IngressClass', { spec: { controller: 'k8s.io/x', parameters: { kind: 'P', name: 'p', namespace: 'ns' } } }), [
    "spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'",
  ]);
  const old = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'x' }, spec: { controller: 'k8s.io/a' } } as KubeObject;
  t.deepEqual(errors('IngressClass', { spec: { controller: 'k8s.io/b' } }, old), ['spec.controller: Invalid value: "k8s.io/b": field is immutable']);
});
