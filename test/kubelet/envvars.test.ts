import test from 'ava';
import type { Service } from 'kubernetes-types/core/v1.js';
import { podServiceEnv, serviceEnvVars, evaluateReadiness } from '../../src/kubelet/index.js';

test('service variables exactly as envvars.FromServices names them', (t) => {
  const svc: Service = { metadata: { name: 'my-db', namespace: 'a' }, spec: { clusterIP: '10.0.0.11', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } };
  t.deepEqual(
    serviceEnvVars([svc]).map((e) => `${e.name}=${e.value}`),
    [
      'MY_DB_SERVICE_HOST=10.0.0.11',
      'MY_DB_SERVICE_PORT=5432',
      'MY_DB_SERVICE_PORT_PG=5432',
      'MY_DB_PORT=tcp://10.0.0.11:5432',
      'MY_DB_PORT_5432_TCP=tcp://10.0.0.11:5432',
      'MY_DB_PORT_5432_TCP_PROTO=tcp',
      'MY_DB_PORT_5432_TCP_PORT=5432',
      'MY_DB_PORT_5432_TCP_ADDR=10.0.0.11',
      'MY_DB_PORT_53_UDP=udp://10.0.0.11:53',
      'MY_DB_PORT_53_UDP_PROTO=udp',
      'MY_DB_PORT_53_UDP_PORT=53',
      'MY_DB_PORT_53_UDP_ADDR=10.0.0.11',
    ],
  );
});

test('headless and ExternalName Services give no variables; enableServiceLinks=false keeps only default/kubernetes', (t) => {
  const k: Service = { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] } };
  const headless: Service = { metadata: { name: 'h', namespace: 'a' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } };
  const web: Service = { metadata: { name: 'web', namespace: 'a' }, spec: { clusterIP: '10.96.0.9', ports: [{ port: 80 }] } };
  const names = (links: boolean): string[] => podServiceEnv({ namespace: 'a', enableServiceLinks: links }, [k, headless, web]).map((e) => e.name).filter((n) => n.endsWith('_SERVICE_HOST'));
  t.deepEqual(names(true), ['KUBERNETES_SERVICE_HOST', 'WEB_SERVICE_HOST']);
  t.deepEqual(names(false), ['KUBERNETES_SERVICE_HOST']);
});

test('modelled readiness: probes pass on declared ports, fail on others, wait for initialDelaySeconds, obey the annotation', (t) => {
  const c = { name: 'app', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { tcpSocket: { port: 'http' }, initialDelaySeconds: 5 } };
  t.like(evaluateReadiness(c, 0, 1000, undefined), { ready: false, recheckAt: 5000 });
  t.like(evaluateReadiness(c, 0, 5000, undefined), { ready: true });
  t.like(evaluateReadiness({ ...c, readinessProbe: { httpGet: { port: 9090 } } }, 0, 0, undefined), { ready: false });
  t.like(evaluateReadiness({ ...c, readinessProbe: { httpGet: { port: 8080 } } }, 0, 0, undefined), { ready: true });
  t.like(evaluateReadiness(c, 0, 9000, 'fail'), { ready: false });
  t.like(evaluateReadiness({ name: 'plain' }, 0, 0, undefined), { ready: true });
});
