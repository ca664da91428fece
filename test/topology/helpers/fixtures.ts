import type { ExecutionContext } from 'ava';
import { parse, stringify } from 'yaml';
import { InputError } from '../../../src/lib/index.js';
import type { ReadFile } from '../../../src/topology/index.js';

/** A valid three-node topology as plain data; tests mutate a copy to make one thing wrong. */
export function baseTopology(): Record<string, unknown> & { cluster: Record<string, unknown>; nodes: Record<string, unknown>[] } {
  return {
    apiVersion: 'kubewire/v1',
    kind: 'Topology',
    metadata: { name: 't' },
    cluster: {
      clusterCIDR: '10.244.0.0/16',
      serviceCIDR: '10.96.0.0/12',
      nodeCIDRMaskSize: 24,
      nodeNetwork: { cidr: '192.168.50.0/24', gateway: '192.168.50.1' },
      network: 'host-gw',
      proxyMode: 'iptables',
    },
    nodes: [
      { name: 'node-a', ip: '192.168.50.11', podCIDR: '10.244.1.0/24' },
      { name: 'node-b', ip: '192.168.50.12', podCIDR: '10.244.2.0/24' },
      { name: 'node-c', ip: '192.168.50.13', podCIDR: '10.244.3.0/24' },
    ],
    external: [{ name: 'client', ip: '192.168.50.200' }],
    manifests: ['./app.yaml'],
  };
}

/** The base topology as YAML text, after `edit` changed it. */
export function topologyText(edit: (d: ReturnType<typeof baseTopology>) => void = () => undefined): string {
  const d = baseTopology();
  edit(d);
  return stringify(d);
}

export const GOOD_APP = `apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: demo}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: agnhost}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec:
  selector: {app: web}
  clusterIP: 10.96.0.10
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: demo}
spec:
  nodeName: node-c
  containers: [{name: db, image: agnhost}]
`;

/** An in-memory file system for parseTopology; missing files fail like fs does (ENOENT). */
export function memFs(files: Readonly<Record<string, string>>): ReadFile {
  return (p) => {
    const body = files[p];
    if (body === undefined) {
      return Promise.reject(Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' }));
    }
    return Promise.resolve(body);
  };
}

/** A manifest document list as YAML, for editing one object of GOOD_APP. */
export function appWith(edit: (docs: Record<string, unknown>[]) => void): string {
  const docs = GOOD_APP.split('---\n').map((d) => parse(d) as Record<string, unknown>);
  edit(docs);
  return docs.map((d) => stringify(d)).join('---\n');
}

/** Asserts `p` rejects with an InputError of `code` whose message contains every `parts`. */
export async function rejectsWith(t: ExecutionContext, p: Promise<unknown>, code: string, parts: readonly string[]): Promise<void> {
  const e = await t.throwsAsync(p, { instanceOf: InputError });
  if (e === undefined) return;
  t.log(e.message);
  t.is((e as InputError).code, code);
  for (const part of parts) t.true(e.message.includes(part), `message lacks ${JSON.stringify(part)}: ${e.message}`);
}
