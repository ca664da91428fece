import test from 'ava';
import { registeredResource } from '../../src/api/index.js';
import { cluster } from './harness.js';

const INGRESSES = registeredResource('networking.k8s.io', 'ingresses');
const CLASSES = registeredResource('networking.k8s.io', 'ingressclasses');

const ingress = (name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>): Record<string, unknown> => ({
  metadata: { name, ...(annotations === undefined ? {} : { annotations }) },
  spec: { defaultBackend: { service: { name: 'shop', port: { number: 80 } } }, ...spec },
});
const ingressClass = (name: string, isDefault: boolean): Record<string, unknown> => ({
  metadata: { name, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  spec: { controller: `example.com/${name}` },
});

test('a new Ingress without a class gets the default IngressClass (the newest of several); one naming a class or the legacy annotation keeps its own', async (t) => {
  const { cp } = await cluster(1);
  const classOf = async (name: string): Promise<unknown> => ((await cp.api.get(INGRESSES, 'default', name))['spec'] as { ingressClassName?: string }).ingressClassName;
  await cp.api.create(INGRESSES, 'default', ingress('before'));
  t.is(await classOf('before'), undefined, 'no default class yet');
  await cp.api.create(CLASSES, '', ingressClass('plain', false));
  await cp.api.create(CLASSES, '', ingressClass('nginx', true));
  await cp.settle();
  await cp.api.create(INGRESSES, 'default', ingress('after'));
  t.is(await classOf('after'), 'nginx');
  await cp.api.create(INGRESSES, 'default', ingress('own', { ingressClassName: 'plain' }));
  t.is(await classOf('own'), 'plain');
  await cp.api.create(INGRESSES, 'default', ingress('legacy', {}, { 'kubernetes.io/ingress.class': 'traefik' }));
  t.is(await classOf('legacy'), undefined);
  cp.clock.advance(1000);
  await cp.api.create(CLASSES, '', ingressClass('newer', true));
  await cp.settle();
  await cp.api.create(INGRESSES, 'default', ingress('two-defaults'));
  t.is(await classOf('two-defaults'), 'newer');
  t.is(await classOf('before'), undefined, 'an existing Ingress is not changed');
});
