import test, { type ExecutionContext } from 'ava';
import { type ChildProcessByStdio, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startServe, type Serving } from '../../src/cli/serve.js';
import { prerequisiteMissing } from './helpers/prerequisite.js';

/**
 * `kubewire serve` with the real kubectl (v1.32): no root needed, skipped without a kubectl binary.
 * kubectl's writes must reach the live cluster's controllers, scheduler, kubelets and kube-proxy,
 * and the trace endpoint must see the result: pods created, scaled down, a Service deleted.
 */
const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
const ktest = KUBECTL === undefined ? test.serial.skip : test.serial;
if (KUBECTL === undefined) prerequisiteMissing('kubewire serve with kubectl', 'kubectl', 'no kubectl binary at /usr/bin/kubectl or /usr/local/bin/kubectl');

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOPOLOGY = join(ROOT, 'topologies', 'three-node.yaml');

let serving: Serving | undefined;
let dir = '';
let env: NodeJS.ProcessEnv = {};
/** The child process starts in before() so its (slow, transpiling) start overlaps the first test. */
let child: ChildProcessByStdio<null, Readable, Readable> | undefined;
let childOut = '';
let childErr = '';
let childExit: Promise<number | null> = Promise.resolve(null);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(kubeconfig: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(KUBECTL ?? 'kubectl', ['--kubeconfig', kubeconfig, ...args], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(t: ExecutionContext, kubeconfig: string, ...args: string[]): Promise<string> {
  const r = await kubectl(kubeconfig, ...args);
  t.is(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface TracePath {
  verdict: string;
  delivered: { pod?: string; ip: string } | null;
}

async function trace(url: string, body: object): Promise<TracePath[]> {
  const res = await fetch(`${url}/kubewire/v1/trace`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`trace: HTTP ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { paths: TracePath[] }).paths;
}

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  namespace: default
  labels: {app: shop}
spec:
  replicas: 3
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
      - name: shop
        image: nginx:1.27
        ports:
        - {name: http, containerPort: 80}
---
apiVersion: v1
kind: Service
metadata:
  name: shop
  namespace: default
spec:
  selector: {app: shop}
  ports:
  - {name: http, port: 8080, targetPort: http}
`;

interface PodRow {
  metadata: { name: string; namespace: string };
  status: { phase?: string; podIP?: string };
}

async function shopPods(t: ExecutionContext, kc: string): Promise<PodRow[]> {
  return (JSON.parse(await ok(t, kc, 'get', 'pods', '-l', 'app=shop', '-o', 'json')) as { items: PodRow[] }).items;
}

/** Polls (the cluster reacts on the next event-loop turn after each write, not within the request). */
async function until<T>(what: string, f: () => Promise<T | undefined>, tries = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test.before(async () => {
  if (KUBECTL === undefined) return;
  dir = await mkdtemp(join(tmpdir(), 'kw-serve-'));
  env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir };
  await writeFile(join(dir, 'shop.yaml'), MANIFEST);
  const c = spawn(join(ROOT, 'bin', 'kubewire'), ['serve', TOPOLOGY, '--port', '0', '--kubeconfig', join(dir, 'child.kubeconfig')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  c.stdout.on('data', (d: Buffer) => (childOut += d.toString()));
  c.stderr.on('data', (d: Buffer) => (childErr += d.toString()));
  childExit = new Promise((resolve) => c.on('exit', (code) => resolve(code)));
  child = c;
});

test.after.always(async () => {
  if (child !== undefined && child.exitCode === null) {
    child.kill('SIGTERM');
    await childExit;
  }
  await serving?.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

ktest('serve: kubectl sees the live cluster, and its writes reach controllers, kubelets and kube-proxy', async (t) => {
  serving = await startServe(TOPOLOGY, { port: 0, kubeconfig: join(dir, 'kubeconfig') }, (s) => t.log(s));
  const kc = serving.kubeconfig;
  const url = serving.server.url;
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+$/);

  const nodes = await ok(t, kc, 'get', 'nodes', '--no-headers');
  const rows = nodes.trim().split('\n').map((l) => l.split(/\s+/));
  t.deepEqual(rows.map((r) => [r[0], r[1]]), [['node-a', 'Ready'], ['node-b', 'Ready'], ['node-c', 'Ready']]);

  // The demo app's three web pods (and everything else) run, each with a pod IP from its node's podCIDR.
  const all = (JSON.parse(await ok(t, kc, 'get', 'pods', '-A', '-o', 'json')) as { items: PodRow[] }).items;
  const web = all.filter((p) => p.metadata.namespace === 'demo' && p.metadata.name.startsWith('web-'));
  t.is(web.length, 3);
  for (const p of all) {
    t.is(p.status.phase, 'Running', p.metadata.name);
    t.regex(p.status.podIP ?? '', /^10\.244\.\d+\.\d+$/, p.metadata.name);
  }

  // apply: the Deployment controller, ReplicaSet controller, scheduler and kubelets make 3 Running pods.
  t.regex(await ok(t, kc, 'apply', '-f', join(dir, 'shop.yaml')), /deployment\.apps\/shop created/);
  const pods = await until('3 Running shop pods', async () => {
    const ps = await shopPods(t, kc);
    return ps.length === 3 && ps.every((p) => p.status.phase === 'Running' && p.status.podIP !== undefined) ? ps : undefined;
  });
  const svc = JSON.parse(await ok(t, kc, 'get', 'svc', 'shop', '-o', 'json')) as { spec: { clusterIP: string } };
  const clusterIP = svc.spec.clusterIP;
  t.regex(clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/, "in serviceCIDR 10.96.0.0/12");

  // kube-proxy followed the new Service and EndpointSlice: a ClusterIP trace lands on the 3 new pods.
  const paths = await trace(url, { from: 'demo/client', to: 'default/shop', port: 8080 });
  t.true(paths.every((p) => p.verdict === 'delivered'));
  t.deepEqual(paths.map((p) => p.delivered?.pod).sort(), pods.map((p) => `default/${p.metadata.name}`).sort());
  t.deepEqual(paths.map((p) => p.delivered?.ip).sort(), pods.map((p) => p.status.podIP).sort());

  // scale through the scale subresource: two pods go (the kubelets confirm the deletions), one path stays.
  await ok(t, kc, 'scale', 'deployment', 'shop', '--replicas=1');
  const left = await until('1 shop pod', async () => {
    const ps = await shopPods(t, kc);
    return ps.length === 1 ? ps : undefined;
  });
  const one = await trace(url, { from: 'demo/client', to: `${clusterIP}`, port: 8080 });
  t.is(one.length, 1);
  t.is(one[0]?.verdict, 'delivered');
  t.is(one[0]?.delivered?.pod, `default/${left[0]?.metadata.name ?? '?'}`);

  // delete: the Service is gone, so nothing answers its old ClusterIP any more.
  await ok(t, kc, 'delete', '-f', join(dir, 'shop.yaml'));
  await until('no shop pods', async () => ((await shopPods(t, kc)).length === 0 ? true : undefined));
  const gone = await trace(url, { from: 'demo/client', to: clusterIP, port: 8080 });
  t.true(gone.length > 0);
  t.true(gone.every((p) => p.verdict !== 'delivered'), JSON.stringify(gone.map((p) => p.verdict)));

  // The node's kube-proxy rules no longer mention the Service either.
  const rules = await (await fetch(`${url}/kubewire/v1/nodes/node-a/rules`)).text();
  t.regex(rules, /^\*nat$/m);
  t.regex(rules, /demo\/web:http cluster IP/);
  t.notRegex(rules, /default\/shop/);
});

/** Whether the server's discovery document for a group version lists a resource (kinds not served yet are checked differently). */
async function served(url: string, groupVersionPath: string, plural: string): Promise<boolean> {
  const res = await fetch(`${url}${groupVersionPath}`);
  if (res.status !== 200) return false;
  return ((await res.json()) as { resources: { name: string }[] }).resources.some((r) => r.name === plural);
}

ktest('serve: kubectl create <kind> (typed clients posting protobuf) makes the same objects as their JSON twins', async (t) => {
  serving ??= await startServe(TOPOLOGY, { port: 0, kubeconfig: join(dir, 'kubeconfig') }, (s) => t.log(s));
  const kc = serving.kubeconfig;
  const url = serving.server.url;
  const ns = ['-n', 'team-a'];

  t.regex(await ok(t, kc, 'create', 'namespace', 'team-a'), /^namespace\/team-a created$/m);
  t.is(await ok(t, kc, 'get', 'namespace', 'team-a', '-o', 'jsonpath={.metadata.labels.kubernetes\\.io/metadata\\.name}'), 'team-a');

  t.regex(await ok(t, kc, ...ns, 'create', 'deployment', 'web', '--image=nginx', '--replicas=3', '--port=80'), /^deployment\.apps\/web created$/m);
  const dep = JSON.parse(await ok(t, kc, ...ns, 'get', 'deployment', 'web', '-o', 'json')) as {
    metadata: { labels: Record<string, string> };
    spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { spec: { containers: { name: string; image: string; ports: { containerPort: number; protocol: string }[] }[] } } };
  };
  t.deepEqual(dep.metadata.labels, { app: 'web' });
  t.is(dep.spec.replicas, 3);
  t.deepEqual(dep.spec.selector.matchLabels, { app: 'web' });
  t.deepEqual(dep.spec.template.spec.containers.map((c) => [c.name, c.image, c.ports[0]?.containerPort, c.ports[0]?.protocol]), [['nginx', 'nginx', 80, 'TCP']]);

  t.regex(await ok(t, kc, ...ns, 'create', 'service', 'clusterip', 'web', '--tcp=8080:80'), /^service\/web created$/m);
  const svc = JSON.parse(await ok(t, kc, ...ns, 'get', 'service', 'web', '-o', 'json')) as { spec: { type: string; clusterIP: string; selector: Record<string, string>; ports: { name: string; port: number; targetPort: number; protocol: string }[] } };
  t.is(svc.spec.type, 'ClusterIP');
  t.deepEqual(svc.spec.selector, { app: 'web' });
  t.deepEqual(svc.spec.ports, [{ name: '8080-80', port: 8080, targetPort: 80, protocol: 'TCP' }]);

  // The controllers, scheduler and kubelets run the 3 pods; kube-proxy sends the ClusterIP to them.
  const pods = await until('3 Running web pods in team-a', async () => {
    const ps = (JSON.parse(await ok(t, kc, ...ns, 'get', 'pods', '-l', 'app=web', '-o', 'json')) as { items: PodRow[] }).items;
    return ps.length === 3 && ps.every((p) => p.status.phase === 'Running' && p.status.podIP !== undefined) ? ps : undefined;
  });
  const paths = await until('the ClusterIP reaching 3 pods', async () => {
    const ps = await trace(url, { from: 'demo/client', to: 'team-a/web', port: 8080 });
    return ps.length === 3 ? ps : undefined;
  });
  t.true(paths.every((p) => p.verdict === 'delivered'));
  t.deepEqual(paths.map((p) => p.delivered?.ip).sort(), pods.map((p) => p.status.podIP).sort());

  t.regex(await ok(t, kc, ...ns, 'create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30999'), /^service\/np created$/m);
  t.is(await ok(t, kc, ...ns, 'get', 'service', 'np', '-o', 'jsonpath={.spec.type} {.spec.ports[0].nodePort} {.spec.ports[0].targetPort}'), 'NodePort 30999 8080');
  t.regex(await ok(t, kc, ...ns, 'create', 'service', 'externalname', 'ext', '--external-name=example.com'), /^service\/ext created$/m);
  t.is(await ok(t, kc, ...ns, 'get', 'service', 'ext', '-o', 'jsonpath={.spec.type} {.spec.externalName}'), 'ExternalName example.com');
  t.regex(await ok(t, kc, ...ns, 'create', 'service', 'loadbalancer', 'lb', '--tcp=80:8080'), /^service\/lb created$/m);
  t.is(await ok(t, kc, ...ns, 'get', 'service', 'lb', '-o', 'jsonpath={.spec.type}'), 'LoadBalancer');

  // ConfigMaps are served; Jobs are not (there is no Job controller to run them): refused as an unknown resource,
  // never because the protobuf body was not understood.
  const cm = await kubectl(kc, ...ns, 'create', 'configmap', 'cfg', '--from-literal=greeting=hello');
  const job = await kubectl(kc, ...ns, 'create', 'job', 'hello', '--image=busybox', '--', 'date');
  for (const [what, r] of [['configmap', cm], ['job', job]] as const) t.notRegex(r.stderr, /unknown format|protobuf/, what);
  t.is(cm.code, 0, cm.stderr);
  t.is(await ok(t, kc, ...ns, 'get', 'configmap', 'cfg', '-o', 'jsonpath={.data.greeting}'), 'hello');
  t.true(await served(url, '/api/v1', 'configmaps'));
  t.false(await served(url, '/apis/batch/v1', 'jobs'));
  t.not(job.code, 0);
  t.regex(job.stderr, /the server could not find the requested resource|doesn't have a resource type "jobs"|no matches for kind "Job"/);

  await ok(t, kc, 'delete', 'namespace', 'team-a', '--wait=false');
});

ktest('serve: ConfigMaps and Secrets through kubectl, with the real server\'s defaulting, columns and refusals', async (t) => {
  serving ??= await startServe(TOPOLOGY, { port: 0, kubeconfig: join(dir, 'kubeconfig') }, (s) => t.log(s));
  const kc = serving.kubeconfig;
  const ns = ['-n', 'demo'];
  t.regex(await ok(t, kc, ...ns, 'create', 'configmap', 'app-cfg', '--from-literal=color=blue', '--from-literal=size=3'), /^configmap\/app-cfg created$/m);
  t.regex(await ok(t, kc, ...ns, 'create', 'secret', 'generic', 'db-pass', '--from-literal=password=s3cr3t!'), /^secret\/db-pass created$/m);
  // Server-side columns: DATA counts keys; a Secret's TYPE defaults to Opaque.
  t.regex(await ok(t, kc, ...ns, 'get', 'configmap', 'app-cfg'), /^NAME\s+DATA\s+AGE\napp-cfg\s+2\s+\S+\n$/);
  t.regex(await ok(t, kc, ...ns, 'get', 'secret', 'db-pass'), /^NAME\s+TYPE\s+DATA\s+AGE\ndb-pass\s+Opaque\s+1\s+\S+\n$/);
  // Stored as base64 of the literal's bytes ("s3cr3t!").
  t.is(await ok(t, kc, ...ns, 'get', 'secret', 'db-pass', '-o', 'jsonpath={.data.password}'), 'czNjcjN0IQ==');
  t.is(await ok(t, kc, 'get', 'cm', 'app-cfg', ...ns, '-o', 'jsonpath={.data.color}'), 'blue', 'short name cm');

  const apply = (yaml: string): Promise<Run> =>
    new Promise((resolve) => {
      const c = execFile(KUBECTL ?? 'kubectl', ['--kubeconfig', kc, 'apply', '-f', '-'], { env, timeout: 30_000 }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
      });
      c.stdin?.end(yaml);
    });
  // stringData is folded into data and not stored.
  const sd = await apply('apiVersion: v1\nkind: Secret\nmetadata: {name: from-string, namespace: demo}\nstringData: {user: admin}\n');
  t.is(sd.code, 0, sd.stderr);
  t.is(await ok(t, kc, ...ns, 'get', 'secret', 'from-string', '-o', 'jsonpath={.data.user}|{.stringData}'), 'YWRtaW4=|');

  const badKey = await apply('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad-key, namespace: demo}\ndata: {"bad key": x}\n');
  t.not(badKey.code, 0);
  t.regex(badKey.stderr, /The ConfigMap "bad-key" is invalid: data\[bad key\]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '\.'/);
  const badB64 = await apply('apiVersion: v1\nkind: Secret\nmetadata: {name: bad-b64, namespace: demo}\ndata: {password: "abc$def"}\n');
  t.not(badB64.code, 0);
  t.regex(badB64.stderr, /Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3/);
  const tls = await apply('apiVersion: v1\nkind: Secret\nmetadata: {name: tls-missing, namespace: demo}\ntype: kubernetes.io/tls\nstringData: {tls.crt: x}\n');
  t.not(tls.code, 0);
  t.regex(tls.stderr, /The Secret "tls-missing" is invalid: data\[tls\.key\]: Required value/);

  const frozen = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen, namespace: demo}\nimmutable: true\ndata: {a: "1"}\n';
  t.is((await apply(frozen)).code, 0);
  const change = await apply(frozen.replace('a: "1"', 'a: "2"'));
  t.not(change.code, 0);
  t.regex(change.stderr, /The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set/);
  t.is(await ok(t, kc, ...ns, 'get', 'configmap', 'frozen', '-o', 'jsonpath={.data.a}'), '1', 'the refused update changed nothing');
  for (const o of ['configmap/app-cfg', 'configmap/frozen', 'secret/db-pass', 'secret/from-string']) await ok(t, kc, ...ns, 'delete', o);
});

ktest('serve: each node holds its kube-node-lease Lease, which kubectl describe node and get leases show', async (t) => {
  serving ??= await startServe(TOPOLOGY, { port: 0, kubeconfig: join(dir, 'kubeconfig') }, (s) => t.log(s));
  const kc = serving.kubeconfig;
  // kubectl describe node reads coordination.k8s.io/v1 kube-node-lease/<node> (before Leases were served it printed
  // "Failed to get lease: the server could not find the requested resource").
  const described = await ok(t, kc, 'describe', 'node', 'node-b');
  t.regex(described, /^Lease:\n  HolderIdentity:  node-b\n  AcquireTime:     <unset>\n  RenewTime:       \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\n/m);
  t.false(described.includes('Failed to get lease'));
  t.regex(await ok(t, kc, 'get', 'leases', '-n', 'kube-node-lease'), /^NAME\s+HOLDER\s+AGE\nnode-a\s+node-a\s+\S+\nnode-b\s+node-b\s+\S+\nnode-c\s+node-c\s+\S+\n$/);
  t.is(await ok(t, kc, 'get', 'lease', 'node-a', '-n', 'kube-node-lease', '-o', 'jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.spec.leaseDurationSeconds}'), 'Node/node-a 40');
});

ktest('serve: ServiceAccounts and RBAC objects from kubectl create (protobuf), a pod needs its account, kubectl auth can-i says yes', async (t) => {
  serving ??= await startServe(TOPOLOGY, { port: 0, kubeconfig: join(dir, 'kubeconfig') }, (s) => t.log(s));
  const kc = serving.kubeconfig;
  const ns = ['-n', 'rbac-demo'];
  await ok(t, kc, 'create', 'namespace', 'rbac-demo');
  // The serviceaccount controller gave the new namespace its default account.
  t.regex(await until('the default ServiceAccount', async () => {
    const r = await kubectl(kc, ...ns, 'get', 'sa');
    return r.code === 0 && r.stdout.includes('default') ? r.stdout : undefined;
  }), /^NAME\s+SECRETS\s+AGE\ndefault\s+0\s+\S+\n$/);
  t.regex(await ok(t, kc, ...ns, 'create', 'serviceaccount', 'builder'), /^serviceaccount\/builder created$/m);
  t.regex(await ok(t, kc, ...ns, 'create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods'), /^role\.rbac\.authorization\.k8s\.io\/pod-reader created$/m);
  await ok(t, kc, ...ns, 'create', 'rolebinding', 'read-pods', '--role=pod-reader', '--user=alice', '--serviceaccount=rbac-demo:builder');
  await ok(t, kc, 'create', 'clusterrolebinding', 'kw-view', '--clusterrole=view', '--group=devs');
  t.regex(await ok(t, kc, ...ns, 'get', 'rolebinding', 'read-pods', '-o', 'wide'), /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\nread-pods\s+Role\/pod-reader\s+\S+\s+alice\s+rbac-demo:builder\n$/);
  t.is(await ok(t, kc, ...ns, 'get', 'role', 'pod-reader', '-o', 'jsonpath={.rules[0].verbs}'), '["get","list"]');
  t.is(await ok(t, kc, 'get', 'clusterrolebinding', 'kw-view', '-o', 'jsonpath={.roleRef.apiGroup} {.subjects[0].apiGroup}'), 'rbac.authorization.k8s.io rbac.authorization.k8s.io');
  // Changing a binding's role is refused as the real server refuses it.
  const change = await kubectl(kc, ...ns, 'patch', 'rolebinding', 'read-pods', '--type=merge', '-p', '{"roleRef":{"name":"other"}}');
  t.not(change.code, 0);
  t.regex(change.stderr, /roleRef: Invalid value: rbac\.RoleRef\{APIGroup:"rbac\.authorization\.k8s\.io", Kind:"Role", Name:"other"\}: cannot change roleRef/);
  // A pod runs as an account that exists, or is not created.
  const ghost = await kubectl(kc, ...ns, 'run', 'p1', '--image=nginx', '--overrides={"spec":{"serviceAccountName":"ghost"}}');
  t.not(ghost.code, 0);
  t.regex(ghost.stderr, /pods "p1" is forbidden: error looking up service account rbac-demo\/ghost: serviceaccount "ghost" not found/);
  await ok(t, kc, ...ns, 'run', 'p2', '--image=nginx', '--overrides={"spec":{"serviceAccountName":"builder"}}');
  t.is(await ok(t, kc, ...ns, 'get', 'pod', 'p2', '-o', 'jsonpath={.spec.serviceAccountName}/{.spec.serviceAccount}'), 'builder/builder');
  // kubectl auth can-i posts a SelfSubjectAccessReview (protobuf); the server authorizes everything it serves.
  t.is((await ok(t, kc, ...ns, 'auth', 'can-i', 'delete', 'pods')).trim(), 'yes');
  t.is((await ok(t, kc, 'auth', 'can-i', 'get', '/healthz')).trim(), 'yes');
  await ok(t, kc, 'delete', 'namespace', 'rbac-demo');
  await ok(t, kc, 'delete', 'clusterrolebinding', 'kw-view');
});

ktest('serve: a DaemonSet puts one pod on every node, kubectl get ds and rollout status read it, set image rolls it out', async (t) => {
  serving ??= await startServe(TOPOLOGY, { port: 0, kubeconfig: join(dir, 'kubeconfig') }, (s) => t.log(s));
  const kc = serving.kubeconfig;
  const manifest = join(dir, 'agent-ds.yaml');
  await writeFile(
    manifest,
    'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: default}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec:\n      containers: [{name: agent, image: "agent:1"}]\n',
  );
  t.regex(await ok(t, kc, 'apply', '-f', manifest), /^daemonset\.apps\/agent created$/m);
  t.regex(await ok(t, kc, 'get', 'ds', 'agent'), /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\nagent\s+3\s+3\s+3\s+3\s+3\s+<none>\s+\S+\n$/);
  t.regex(await ok(t, kc, 'rollout', 'status', 'ds/agent', '--timeout=20s'), /daemon set "agent" successfully rolled out/);
  const nodes = (await ok(t, kc, 'get', 'pods', '-l', 'app=agent', '-o', 'jsonpath={.items[*].spec.nodeName}')).split(' ').sort();
  t.deepEqual(nodes, ['node-a', 'node-b', 'node-c']);
  await ok(t, kc, 'set', 'image', 'ds/agent', 'agent=agent:2');
  t.regex(await ok(t, kc, 'rollout', 'status', 'ds/agent', '--timeout=20s'), /daemon set "agent" successfully rolled out/);
  t.is(await ok(t, kc, 'get', 'pods', '-l', 'app=agent', '-o', 'jsonpath={.items[*].spec.containers[0].image}'), 'agent:2 agent:2 agent:2');
  await ok(t, kc, 'delete', 'ds', 'agent');
  await until('the DaemonSet\'s pods gone', async () => ((await ok(t, kc, 'get', 'pods', '-l', 'app=agent', '-o', 'name')) === '' ? true : undefined));
});

ktest('serve: a StatefulSet makes pg-0, pg-1, pg-2 in order under its headless Service, rolls out and scales down from the top', async (t) => {
  serving ??= await startServe(TOPOLOGY, { port: 0, kubeconfig: join(dir, 'kubeconfig') }, (s) => t.log(s));
  const kc = serving.kubeconfig;
  const manifest = join(dir, 'db-sts.yaml');
  await writeFile(
    manifest,
    [
      'apiVersion: v1\nkind: Service\nmetadata: {name: pg, namespace: default}\nspec: {clusterIP: None, selector: {app: pg}, ports: [{name: sql, port: 5432}]}',
      'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: pg, namespace: default}\nspec:\n  serviceName: pg\n  replicas: 3\n  selector: {matchLabels: {app: pg}}\n  template:\n    metadata: {labels: {app: pg}}\n    spec:\n      containers: [{name: pg, image: "postgres:16", ports: [{name: sql, containerPort: 5432}]}]\n',
    ].join('\n---\n'),
  );
  await ok(t, kc, 'apply', '-f', manifest);
  t.regex(await ok(t, kc, 'get', 'sts', 'pg'), /^NAME\s+READY\s+AGE\npg\s+3\/3\s+\S+\n$/);
  t.is(await ok(t, kc, 'get', 'pods', '-l', 'app=pg', '-o', 'jsonpath={.items[*].spec.hostname}'), 'pg-0 pg-1 pg-2');
  // The headless Service's endpoints carry the pods' hostnames: pg-1.pg.default.svc resolves to pg-1.
  t.is(await ok(t, kc, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=pg', '-o', 'jsonpath={.items[0].endpoints[*].hostname}').then((s) => s.split(' ').sort().join(' ')), 'pg-0 pg-1 pg-2');
  await ok(t, kc, 'set', 'image', 'sts/pg', 'pg=postgres:17');
  t.regex(await ok(t, kc, 'rollout', 'status', 'sts/pg', '--timeout=20s'), /partitioned roll out complete: 3 new pods have been updated/);
  t.is(await ok(t, kc, 'get', 'pods', '-l', 'app=pg', '-o', 'jsonpath={.items[*].spec.containers[0].image}'), 'postgres:17 postgres:17 postgres:17');
  await ok(t, kc, 'scale', 'sts/pg', '--replicas=1');
  t.is(await until('scaled down to pg-0', async () => {
    const names = await ok(t, kc, 'get', 'pods', '-l', 'app=pg', '-o', 'jsonpath={.items[*].metadata.name}');
    return names === 'pg-0' ? names : undefined;
  }), 'pg-0');
  await ok(t, kc, 'delete', '-f', manifest);
});

ktest('serve: a PodDisruptionBudget from kubectl create pdb (protobuf) holds kubectl drain off with 429s until it allows the eviction', async (t) => {
  serving ??= await startServe(TOPOLOGY, { port: 0, kubeconfig: join(dir, 'kubeconfig') }, (s) => t.log(s));
  const kc = serving.kubeconfig;
  await ok(t, kc, 'create', 'deployment', 'guarded', '--image=nginx:1.27', '--replicas=3');
  await until('3 guarded pods Running', async () => ((await ok(t, kc, 'get', 'pods', '-l', 'app=guarded', '--field-selector=status.phase=Running', '-o', 'name')).trim().split('\n').length === 3 ? true : undefined));
  t.regex(await ok(t, kc, 'create', 'pdb', 'guarded', '--selector=app=guarded', '--min-available=3'), /^poddisruptionbudget\.policy\/guarded created$/m);
  const row = await until('the budget counted', async () => {
    const out = await ok(t, kc, 'get', 'pdb', 'guarded');
    return /guarded\s+3\s+N\/A\s+0\s/.test(out) ? out : undefined;
  });
  t.regex(row, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\n/);
  const [pod, node] = (await ok(t, kc, 'get', 'pods', '-l', 'app=guarded', '-o', 'jsonpath={.items[0].metadata.name} {.items[0].spec.nodeName}')).trim().split(' ');
  // drain's eviction loop: every 429 is printed and retried after 5 s until its timeout.
  const held = await kubectl(kc, 'drain', node ?? '', '--pod-selector=app=guarded', '--timeout=7s');
  t.not(held.code, 0);
  t.regex(held.stdout + held.stderr, /error when evicting pods\/"guarded-[a-z0-9-]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
  t.is(await ok(t, kc, 'get', 'pod', pod ?? '', '-o', 'jsonpath={.metadata.deletionTimestamp}'), '', 'the guarded pod was not evicted');
  await ok(t, kc, 'patch', 'pdb', 'guarded', '--type=merge', '-p', '{"spec":{"minAvailable":2}}');
  await until('one disruption allowed', async () => (/guarded\s+2\s+N\/A\s+1\s/.test(await ok(t, kc, 'get', 'pdb', 'guarded')) ? true : undefined));
  const drained = await ok(t, kc, 'drain', node ?? '', '--pod-selector=app=guarded', '--timeout=20s');
  t.regex(drained, /pod\/guarded-[a-z0-9-]+ evicted/);
  t.regex(drained, new RegExp(`node/${node ?? ''} drained`));
  await ok(t, kc, 'uncordon', node ?? '');
  await ok(t, kc, 'delete', 'pdb', 'guarded');
  await ok(t, kc, 'delete', 'deployment', 'guarded');
});

ktest('serve: Ingresses from kubectl create ingress (protobuf) take the default IngressClass, print kubectl\'s columns, and bad ones are refused', async (t) => {
  serving ??= await startServe(TOPOLOGY, { port: 0, kubeconfig: join(dir, 'kubeconfig') }, (s) => t.log(s));
  const kc = serving.kubeconfig;
  const manifest = join(dir, 'ingress-class.yaml');
  await writeFile(
    manifest,
    'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: nginx\n  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}\nspec: {controller: k8s.io/ingress-nginx}\n',
  );
  t.regex(await ok(t, kc, 'apply', '-f', manifest), /^ingressclass\.networking\.k8s\.io\/nginx created$/m);
  t.regex(await ok(t, kc, 'get', 'ingressclass'), /^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE\nnginx\s+k8s\.io\/ingress-nginx\s+<none>\s+\S+\n$/);
  t.regex(await ok(t, kc, 'create', 'ingress', 'shop', '--rule=shop.example.com/*=shop:80,tls=shop-tls', '--rule=api.example.com/v1=api:http'), /^ingress\.networking\.k8s\.io\/shop created$/m);
  t.regex(await ok(t, kc, 'get', 'ing', 'shop'), /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\nshop\s+nginx\s+shop\.example\.com,api\.example\.com\s+80, 443\s+\S+\n$/);
  t.is(await ok(t, kc, 'get', 'ing', 'shop', '-o', 'jsonpath={.spec.rules[0].http.paths[0].pathType} {.spec.rules[1].http.paths[0].backend.service.port.name}'), 'Prefix http');
  const refused = await kubectl(kc, 'create', 'ingress', 'bad', '--rule=10.1.2.3/=shop:80');
  t.not(refused.code, 0);
  t.regex(refused.stderr, /spec\.rules\[0\]\.host: Invalid value: "10\.1\.2\.3": must be a DNS name, not an IP address/);
  await ok(t, kc, 'delete', 'ing', 'shop');
  await ok(t, kc, 'delete', '-f', manifest);
});

ktest('bin/kubewire serve: prints the URL, serves kubectl, stops on SIGTERM', async (t) => {
  const c = child;
  if (c === undefined) return t.fail('no child process');
  const kubeconfig = join(dir, 'child.kubeconfig');
  try {
    const url = await until('the URL on stdout', async () => {
      if (c.exitCode !== null) throw new Error(`exited ${c.exitCode}: ${childErr}`);
      return /at (http:\/\/127\.0\.0\.1:\d+)\n/.exec(childOut)?.[1];
    }, 900);
    t.true(childOut.includes(`kubeconfig written to ${kubeconfig}`), childOut);
    const nodes = await ok(t, kubeconfig, 'get', 'nodes', '-o', 'name');
    t.is(nodes, 'node/node-a\nnode/node-b\nnode/node-c\n');
    t.true(url.startsWith('http://127.0.0.1:'));
  } finally {
    c.kill('SIGTERM');
  }
  t.is(await childExit, 0, childErr);
  t.regex(childOut, /kubewire: stopped/);
});
