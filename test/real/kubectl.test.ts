import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { getPath, resourceByPlural } from '../../src/api/index.js';
import { ApiServer, bootstrapNamespaces, MemoryStore, rngIds, startNamespaceFinalizer } from '../../src/apiserver/index.js';
import { listen, writeKubeconfig, type RunningServer } from '../../src/server/index.js';
import { Rng, wallClock } from '../../src/lib/index.js';
import { prerequisiteMissing } from './helpers/prerequisite.js';

/**
 * The real kubectl (v1.32) against kubewire's API server on 127.0.0.1 and an ephemeral port.
 * No root needed; skipped when there is no kubectl binary. There are no controllers yet, so nothing
 * creates pods for Deployments: what is checked is what the API server itself does.
 */
const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
const ktest = KUBECTL === undefined ? test.serial.skip : test.serial;
if (KUBECTL === undefined) prerequisiteMissing('kubectl end-to-end', 'kubectl', 'no kubectl binary at /usr/bin/kubectl or /usr/local/bin/kubectl');

let server: RunningServer | undefined;
let dir = '';
let env: NodeJS.ProcessEnv = {};
const timers: ReturnType<typeof setTimeout>[] = [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(KUBECTL ?? 'kubectl', args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(t: { log: (...v: unknown[]) => void; is: (a: unknown, b: unknown, m?: string) => void }, ...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  if (r.code !== 0) t.log(`kubectl ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  t.is(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const MANIFEST = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - {name: http, containerPort: 80}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http, nodePort: 30080}
`;

test.before(async () => {
  if (KUBECTL === undefined) return;
  dir = await mkdtemp(join(tmpdir(), 'kw-kubectl-'));
  const rng = new Rng(42);
  const api = new ApiServer({ store: new MemoryStore(), clock: wallClock, ids: rngIds(rng), rng });
  await bootstrapNamespaces(api);
  // The namespace controller's stand-in: finalize shortly after, as a real cluster does.
  startNamespaceFinalizer(api, (task) => timers.push(setTimeout(task, 200)));
  // A kubelet's stand-in: pods marked for graceful deletion are confirmed gone (grace 0).
  const pods = resourceByPlural('', 'pods');
  if (pods === undefined) throw new Error('no pods resource');
  api.store.watch({ resource: 'pods' }, (ev) => {
    const m = ev.object.metadata;
    if (ev.type === 'MODIFIED' && m.deletionTimestamp !== undefined) {
      timers.push(setTimeout(() => void api.delete(pods, m.namespace ?? '', m.name ?? '', { gracePeriodSeconds: 0 }).catch(() => undefined), 100));
    }
  });
  server = await listen({ api, clock: wallClock });
  const kubeconfig = join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, server.url);
  env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: kubeconfig };
  await writeFile(join(dir, 'app.yaml'), MANIFEST);
  await writeFile(join(dir, 'app-v2.yaml'), MANIFEST.replace('replicas: 2', 'replicas: 3').replace('nginx:1.27', 'nginx:1.28'));
  await writeFile(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec:\n  ports:\n  - {port: 70000}\n');
  await writeFile(
    join(dir, 'node.yaml'),
    'apiVersion: v1\nkind: Node\nmetadata:\n  name: node-a\n  labels: {node-role.kubernetes.io/worker: ""}\nstatus:\n  conditions: [{type: Ready, status: "True"}]\n  addresses: [{type: InternalIP, address: 192.168.1.10}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: loose, namespace: default}\nspec:\n  nodeName: node-a\n  containers: [{name: c, image: busybox:1.36}]\n',
  );
});

test.after.always(async () => {
  for (const h of timers) clearTimeout(h);
  await server?.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

ktest('apply -f a multi-document manifest creates all three objects', async (t) => {
  const out = await ok(t, 'apply', '-f', join(dir, 'app.yaml'));
  t.deepEqual(out.trim().split('\n'), ['namespace/shop created', 'deployment.apps/web created', 'service/web created']);
});

ktest('api-resources lists what the server serves, with short names and groups', async (t) => {
  const out = await ok(t, 'api-resources');
  t.regex(out, /^pods\s+po\s+v1\s+true\s+Pod$/m);
  t.regex(out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  t.regex(out, /^endpointslices\s+discovery\.k8s\.io\/v1\s+true\s+EndpointSlice$/m);
  t.regex(out, /^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
  t.regex(out, /^secrets\s+v1\s+true\s+Secret$/m);
});

ktest('get -o wide prints the server-side columns', async (t) => {
  const out = await ok(t, '-n', 'shop', 'get', 'deploy,svc', '-o', 'wide');
  t.log(out);
  t.regex(out, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
  t.regex(out, /deployment\.apps\/web\s+0\/2\s+0\s+0\s+\S+\s+nginx\s+nginx:1\.27\s+app=web/);
  t.regex(out, /service\/web\s+NodePort\s+<none>\s+<none>\s+80:30080\/TCP\s+\S+\s+app=web/);
});

ktest('get -o yaml shows the defaulted object', async (t) => {
  const svc: unknown = parse(await ok(t, '-n', 'shop', 'get', 'svc', 'web', '-o', 'yaml'));
  t.is(getPath(svc, ['spec', 'sessionAffinity']), 'None');
  t.deepEqual(getPath(svc, ['spec', 'ports']), [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080, protocol: 'TCP' }]);
  t.is(getPath(svc, ['spec', 'externalTrafficPolicy']), 'Cluster');
  const d: unknown = parse(await ok(t, '-n', 'shop', 'get', 'deploy', 'web', '-o', 'yaml'));
  t.deepEqual(getPath(d, ['spec', 'strategy']), { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  t.is(getPath(d, ['metadata', 'generation']), 1);
  t.truthy(getPath(d, ['metadata', 'annotations', 'kubectl.kubernetes.io/last-applied-configuration']));
});

ktest('get -l and -A select by labels across namespaces', async (t) => {
  const out = await ok(t, 'get', 'deploy,svc', '-A', '-l', 'app in (web,api),tier!=db');
  t.regex(out, /NAMESPACE\s+NAME/);
  t.regex(out, /shop\s+deployment\.apps\/web/);
  t.regex(out, /shop\s+service\/web/);
  const none = await kubectl('get', 'deploy', '-A', '-l', 'app=nothing');
  t.is(none.stdout, '');
  t.regex(none.stderr, /No resources found/);
  const ns = await ok(t, 'get', 'ns');
  t.regex(ns, /shop\s+Active/);
});

ktest('describe renders a deployment', async (t) => {
  const out = await ok(t, '-n', 'shop', 'describe', 'deployment', 'web');
  t.regex(out, /Replicas:\s+2 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable/);
  t.regex(out, /RollingUpdateStrategy:\s+25% max unavailable, 25% max surge/);
  t.regex(out, /Image:\s+nginx:1\.27/);
});

ktest('apply again patches (client-side strategic merge) and bumps generation', async (t) => {
  const out = await ok(t, 'apply', '-f', join(dir, 'app-v2.yaml'));
  t.deepEqual(out.trim().split('\n'), ['namespace/shop unchanged', 'deployment.apps/web configured', 'service/web unchanged']);
  const got = await ok(t, '-n', 'shop', 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas} {.metadata.generation} {.spec.template.spec.containers[0].image}');
  t.is(got, '3 2 nginx:1.28');
});

ktest('an invalid object is refused with the field named, and not stored', async (t) => {
  const r = await kubectl('apply', '-f', join(dir, 'bad.yaml'));
  t.not(r.code, 0);
  // kubectl lists the Status causes one per line.
  t.regex(r.stderr, /The Service "bad" is invalid: \n\* spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive\n/);
  const get = await kubectl('get', 'svc', 'bad');
  t.regex(get.stderr, /services "bad" not found/);
});

ktest('scale sets replicas through the scale subresource', async (t) => {
  t.is((await ok(t, '-n', 'shop', 'scale', 'deployment/web', '--replicas=5')).trim(), 'deployment.apps/web scaled');
  t.is(await ok(t, '-n', 'shop', 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'), '5');
});

ktest('get --watch prints a row for each change', async (t) => {
  const child = spawn(KUBECTL ?? 'kubectl', ['-n', 'shop', 'get', 'deploy', '--watch', '--request-timeout=4s'], { env });
  let out = '';
  const firstRow = new Promise<void>((resolve) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('web')) resolve();
    });
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await firstRow;
  await ok(t, '-n', 'shop', 'scale', 'deployment/web', '--replicas=1');
  await exited;
  t.log(out);
  const rows = out.trim().split('\n');
  t.regex(rows[0] ?? '', /^NAME\s+READY/);
  t.regex(rows[1] ?? '', /^web\s+0\/5/);
  t.regex(rows[2] ?? '', /^web\s+0\/1/);
});

ktest('rollout status completes once status reports the rollout', async (t) => {
  // No deployment controller yet: report the rollout as one would, through the status subresource.
  const [generation, n] = (await ok(t, '-n', 'shop', 'get', 'deploy', 'web', '-o', 'jsonpath={.metadata.generation} {.spec.replicas}')).split(' ').map(Number);
  const status = { observedGeneration: generation, replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n };
  await ok(t, '-n', 'shop', 'patch', 'deployment', 'web', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status }));
  const out = await ok(t, '-n', 'shop', 'rollout', 'status', 'deployment/web', '--timeout=10s');
  t.is(out.trim(), 'deployment "web" successfully rolled out');
});

ktest('rollout undo rolls the template back to the previous ReplicaSet revision', async (t) => {
  // No deployment controller: make the two ReplicaSets it would have made, owned by the Deployment.
  const uid = await ok(t, '-n', 'shop', 'get', 'deploy', 'web', '-o', 'jsonpath={.metadata.uid}');
  for (const [rev, image] of [['1', 'nginx:1.26'], ['2', 'nginx:1.28']] as const) {
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `web-r${rev}`,
        namespace: 'shop',
        labels: { app: 'web', 'pod-template-hash': `h${rev}` },
        annotations: { 'deployment.kubernetes.io/revision': rev },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web', 'pod-template-hash': `h${rev}` } },
        template: { metadata: { labels: { app: 'web', 'pod-template-hash': `h${rev}` } }, spec: { containers: [{ name: 'nginx', image }] } },
      },
    };
    await writeFile(join(dir, `rs${rev}.json`), JSON.stringify(rs));
    await ok(t, 'create', '-f', join(dir, `rs${rev}.json`));
  }
  t.regex(await ok(t, '-n', 'shop', 'rollout', 'history', 'deployment/web'), /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
  t.is((await ok(t, '-n', 'shop', 'rollout', 'undo', 'deployment/web')).trim(), 'deployment.apps/web rolled back');
  t.is(await ok(t, '-n', 'shop', 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'), 'nginx:1.26');
});

ktest('apply --server-side creates and updates', async (t) => {
  const m = MANIFEST.replaceAll('shop', 'ssa').replace('30080', '30081');
  await writeFile(join(dir, 'ssa.yaml'), m);
  const out = await ok(t, 'apply', '--server-side', '-f', join(dir, 'ssa.yaml'));
  t.deepEqual(out.trim().split('\n'), ['namespace/ssa serverside-applied', 'deployment.apps/web serverside-applied', 'service/web serverside-applied']);
  await writeFile(join(dir, 'ssa.yaml'), m.replace('replicas: 2', 'replicas: 4'));
  await ok(t, 'apply', '--server-side', '-f', join(dir, 'ssa.yaml'));
  t.is(await ok(t, '-n', 'ssa', 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'), '4');
});

ktest('create -f, cordon and drain a node', async (t) => {
  t.deepEqual((await ok(t, 'create', '-f', join(dir, 'node.yaml'))).trim().split('\n'), ['node/node-a created', 'pod/loose created']);
  t.is((await ok(t, 'cordon', 'node-a')).trim(), 'node/node-a cordoned');
  t.regex(await ok(t, 'get', 'nodes'), /node-a\s+Ready,SchedulingDisabled\s+worker/);
  const drain = await kubectl('drain', 'node-a', '--force', '--timeout=20s');
  t.log(drain.stdout, drain.stderr);
  t.is(drain.code, 0);
  t.regex(drain.stdout, /pod\/loose evicted/);
  t.regex(drain.stdout, /node\/node-a drained/);
  t.is((await kubectl('get', 'pod', 'loose')).code, 1);
  t.is((await ok(t, 'uncordon', 'node-a')).trim(), 'node/node-a uncordoned');
});

ktest('delete -f removes everything, the namespace last', async (t) => {
  const out = await ok(t, 'delete', '-f', join(dir, 'app.yaml'));
  t.deepEqual(out.trim().split('\n'), ['namespace "shop" deleted', 'deployment.apps "web" deleted', 'service "web" deleted']);
  const gone = await kubectl('get', 'ns', 'shop');
  t.regex(gone.stderr, /namespaces "shop" not found/);
  t.is((await ok(t, 'delete', 'ns', 'ssa')).trim(), 'namespace "ssa" deleted');
});
