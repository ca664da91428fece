import test from 'ava';
import { parseTopology } from '../../src/topology/index.js';
import { GOOD_APP, appWith, memFs, rejectsWith, topologyText } from './helpers/fixtures.js';

const FILE = 'topos/t.yaml';
const load = (app: string, extra: Record<string, string> = {}) =>
  parseTopology(topologyText(), FILE, memFs({ 'topos/app.yaml': app, ...extra }));

type Doc = Record<string, unknown>;
const spec = (d: Doc | undefined): Doc => (d?.['spec'] ?? {}) as Doc;

test('objects keep file order, source document numbers, and get namespace "default" when they name none', async (t) => {
  const app = `# leading comment\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {k: v}\n---\n${GOOD_APP}`;
  const topo = await load(app);
  t.deepEqual(
    topo.objects.map((o) => `${o.object.kind}/${o.object.metadata.namespace ?? '-'}/${o.object.metadata.name} #${o.source.document}`),
    // The comment is the prelude of document 1, which the first `---` opens and the second closes empty.
    ['ConfigMap/default/cfg #2', 'Namespace/-/demo #3', 'Deployment/demo/web #4', 'Service/demo/web #5', 'Pod/demo/db #6'],
  );
  t.is(topo.objects[0]?.source.file, 'topos/app.yaml');
  t.deepEqual(topo.objects[0]?.object['data'], { k: 'v' });
});

test('kind: List is expanded into its items, each located by item index', async (t) => {
  const app = `apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: one}}
  - {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {nodeName: node-b, containers: [{name: c, image: nginx}]}}
`;
  const topo = await load(app);
  t.deepEqual(topo.objects.map((o) => [o.object.metadata.name, o.source.document, o.source.item]), [['one', 1, 0], ['p', 1, 1]]);
  const bad = app.replace('node-b', 'node-x');
  await rejectsWith(t, load(bad), 'KW_TOPOLOGY_UNKNOWN_NODE', ['topos/app.yaml (document 1, item 1): /items/1/spec/nodeName']);
});

test('manifests from several files are read relative to the topology file', async (t) => {
  const text = topologyText((d) => { d['manifests'] = ['./app.yaml', 'more/cm.yaml']; });
  const topo = await parseTopology(text, FILE, memFs({ 'topos/app.yaml': GOOD_APP, 'topos/more/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2, namespace: demo}\n' }));
  t.deepEqual(topo.objects.at(-1)?.source, { file: 'topos/more/cm.yaml', document: 1 });
});

test('kinds with no part in the data plane are kept as written: RBAC names as path segments, cluster-scoped kinds without a namespace', async (t) => {
  const extra = `apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: demo}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: demo}
stringData: {password: hunter2}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:demo-reader", namespace: demo}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web-reads, namespace: demo}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:demo-reader"}
subjects: [{kind: ServiceAccount, name: web, namespace: demo}]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: demo}
spec:
  ingressClassName: nginx
  rules: [{host: web.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: demo}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
`;
  const topo = await load(`${GOOD_APP}---\n${extra}`);
  t.deepEqual(
    topo.objects.slice(4).map((o) => `${o.object.kind}/${o.object.metadata.namespace ?? '-'}/${o.object.metadata.name}`),
    ['ServiceAccount/demo/web', 'Secret/demo/creds', 'ClusterRole/-/system:demo-reader', 'RoleBinding/demo/web-reads', 'IngressClass/-/nginx', 'Ingress/demo/web', 'PodDisruptionBudget/demo/web'],
  );
  // Kept as written (the API server folds stringData into data when `serve` creates it; the static build reads none of it).
  t.deepEqual(topo.objects[5]?.object['stringData'], { password: 'hunter2' });
});

const bad: readonly (readonly [string, string, string, readonly string[]])[] = [
  ['missing apiVersion', 'kind: Pod\nmetadata: {name: x}\n', 'KW_TOPOLOGY_INVALID_MANIFEST', ['topos/app.yaml (document 1): /apiVersion', 'missing required field "apiVersion"']],
  ['missing kind', 'apiVersion: v1\nmetadata: {name: x}\n', 'KW_TOPOLOGY_INVALID_MANIFEST', ['(document 1): /kind']],
  ['missing metadata.name', `${GOOD_APP}---\napiVersion: v1\nkind: Pod\nmetadata: {namespace: demo}\n`, 'KW_TOPOLOGY_INVALID_MANIFEST', ['(document 5): /metadata/name', 'missing required field "metadata.name"']],
  ['a scalar document', 'just text\n', 'KW_TOPOLOGY_INVALID_MANIFEST', ['(document 1): /', 'must be a mapping']],
  ['unsupported kind', 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: x}\n', 'KW_TOPOLOGY_UNSUPPORTED_KIND', ['(document 1): /kind', 'kind "Widget" is not supported; supported kinds: ClusterRole, ClusterRoleBinding, ConfigMap, DaemonSet, Deployment, EndpointSlice, Endpoints, Ingress, IngressClass, Namespace, Pod, PodDisruptionBudget, ReplicaSet, Role, RoleBinding, Secret, Service, ServiceAccount, StatefulSet']],
  ['NetworkPolicy, refused with the reason', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\n', 'KW_TOPOLOGY_UNSUPPORTED_KIND', ['(document 1): /kind', 'kind "NetworkPolicy" is not supported (kubewire does not enforce NetworkPolicy, so every trace would show as delivered traffic that a policy-enforcing CNI drops']],
  ['Job, refused with the reason', 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\n', 'KW_TOPOLOGY_UNSUPPORTED_KIND', ['kind "Job" is not supported (no Job controller runs']],
  ['Secret with bad base64, refused as the API server decodes it', `${GOOD_APP}---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: demo}\ndata: {k: "a!b"}\n`, 'KW_TOPOLOGY_INVALID_MANIFEST', ['(document 5): /', 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 1']],
  ['Role without verbs, refused with the API server\'s message and the field as a path', `${GOOD_APP}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: demo}\nrules: [{apiGroups: [""], resources: [pods], verbs: []}]\n`, 'KW_TOPOLOGY_INVALID_MANIFEST', ['(document 5): /rules/0/verbs', 'Role.rbac.authorization.k8s.io "r" is invalid: rules[0].verbs: Required value: verbs must contain at least one value']],
  ['Ingress path without pathType', `${GOOD_APP}---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i, namespace: demo}\nspec: {rules: [{http: {paths: [{path: /, backend: {service: {name: web, port: {number: 80}}}}]}}]}\n`, 'KW_TOPOLOGY_INVALID_MANIFEST', ['(document 5): /spec/rules/0/http/paths/0/pathType', 'pathType: Required value']],
  ['ServiceAccount in a namespace that does not exist', 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa, namespace: nowhere}\n', 'KW_TOPOLOGY_UNKNOWN_NAMESPACE', ['(document 1): /metadata/namespace', 'namespaces "nowhere" not found']],
  ['Pod running as a ServiceAccount that is not in the manifests', `${GOOD_APP}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: demo}\nspec: {serviceAccountName: runner, containers: []}\n`, 'KW_TOPOLOGY_UNKNOWN_SERVICE_ACCOUNT', ['(document 5): /spec/serviceAccountName', 'pods "p" is forbidden: error looking up service account demo/runner: serviceaccount "runner" not found (add a ServiceAccount named runner in namespace demo']],
  ['Deployment whose pods run as a missing ServiceAccount (the deprecated field)', appWith((docs) => { ((spec(docs[1])['template'] as Doc)['spec'] as Doc)['serviceAccount'] = 'builder'; }), 'KW_TOPOLOGY_UNKNOWN_SERVICE_ACCOUNT', ['(document 2): /spec/template/spec/serviceAccount', 'Deployment "web" would never get its pods: they are forbidden: error looking up service account demo/builder']],
  ['ConfigMap key that is not a config key', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {"a b": v}\n', 'KW_TOPOLOGY_INVALID_MANIFEST', ['(document 1): /data/a b', 'ConfigMap "c" is invalid: data[a b]: Invalid value: "a b"']],
  ['kind at the wrong apiVersion', 'apiVersion: v1\nkind: Deployment\nmetadata: {name: x}\n', 'KW_TOPOLOGY_UNSUPPORTED_KIND', ['/apiVersion', 'no matches for kind "Deployment" in version "v1" (Deployment is served at apps/v1)']],
  ['Service name that is not a DNS-1035 label', 'apiVersion: v1\nkind: Service\nmetadata: {name: 1web}\n', 'KW_TOPOLOGY_INVALID_MANIFEST', ['/metadata/name', 'DNS-1035']],
  ['numeric label value', appWith((docs) => { (docs[3]?.['metadata'] as Doc)['labels'] = { version: 1 }; }), 'KW_TOPOLOGY_INVALID_MANIFEST', ['(document 4): /metadata/labels/version', 'must be a string']],
  ['duplicate object', `${GOOD_APP}---\napiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: demo}\n`, 'KW_TOPOLOGY_DUPLICATE_OBJECT', ['(document 5): /metadata/name', 'Pod "db" in namespace demo is already defined in topos/app.yaml (document 4)']],
  ['unknown namespace', appWith((docs) => { docs.shift(); }), 'KW_TOPOLOGY_UNKNOWN_NAMESPACE', ['(document 1): /metadata/namespace', 'namespaces "demo" not found']],
  ['clusterIP outside serviceCIDR', appWith((docs) => { spec(docs[2])['clusterIP'] = '10.244.0.10'; }), 'KW_TOPOLOGY_INVALID_CLUSTER_IP', ['(document 3): /spec/clusterIP', 'The range of valid IPs is 10.96.0.0/12']],
  ['clusterIP on the network address of serviceCIDR', appWith((docs) => { spec(docs[2])['clusterIP'] = '10.96.0.0'; }), 'KW_TOPOLOGY_INVALID_CLUSTER_IP', ['not in the valid range']],
  ['clusterIP that does not parse', appWith((docs) => { spec(docs[2])['clusterIP'] = '10.96.0.300'; }), 'KW_TOPOLOGY_INVALID_CLUSTER_IP', ['"10.96.0.300" is not a valid IPv4 address']],
  ['headless LoadBalancer', appWith((docs) => { spec(docs[2])['clusterIP'] = 'None'; spec(docs[2])['type'] = 'LoadBalancer'; }), 'KW_TOPOLOGY_INVALID_CLUSTER_IP', ["may not be set to 'None' for LoadBalancer services"]],
  ['duplicate clusterIP', `${GOOD_APP}---\napiVersion: v1\nkind: Service\nmetadata: {name: other, namespace: demo}\nspec: {clusterIP: 10.96.0.10, ports: [{port: 1}]}\n`, 'KW_TOPOLOGY_DUPLICATE_CLUSTER_IP', ['(document 5): /spec/clusterIP', 'already allocated to Service "web"']],
  ['nodePort outside the range', appWith((docs) => { spec(docs[2])['type'] = 'NodePort'; spec(docs[2])['ports'] = [{ port: 80, nodePort: 8080 }]; }), 'KW_TOPOLOGY_INVALID_NODE_PORT', ['/spec/ports/0/nodePort', 'The range of valid ports is 30000-32767']],
  ['nodePort on a ClusterIP Service', appWith((docs) => { spec(docs[2])['ports'] = [{ port: 80, nodePort: 30001 }]; }), 'KW_TOPOLOGY_INVALID_NODE_PORT', ["may not be used when `type` is 'ClusterIP'"]],
  ['duplicate nodePort', `${GOOD_APP}---\napiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: demo}\nspec: {type: NodePort, ports: [{port: 1, nodePort: 30500}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: demo}\nspec: {type: NodePort, ports: [{port: 1, nodePort: 30500}]}\n`, 'KW_TOPOLOGY_DUPLICATE_NODE_PORT', ['(document 6): /spec/ports/0/nodePort', 'already allocated to Service "a"']],
  ['unknown Service type', appWith((docs) => { spec(docs[2])['type'] = 'Ingress'; }), 'KW_TOPOLOGY_INVALID_MANIFEST', ['/spec/type', 'Unsupported value']],
  ['selector not matching template labels', appWith((docs) => { ((spec(docs[1])['template'] as Doc)['metadata'] as Doc)['labels'] = { app: 'api' }; }), 'KW_TOPOLOGY_INVALID_MANIFEST', ['(document 2): /spec/template/metadata/labels', '`selector` does not match template `labels`']],
  ['Deployment without selector', appWith((docs) => { delete spec(docs[1])['selector']; }), 'KW_TOPOLOGY_INVALID_MANIFEST', ['/spec/selector', 'spec.selector: Required value']],
  ['Deployment with an empty selector', appWith((docs) => { spec(docs[1])['selector'] = { matchLabels: {} }; }), 'KW_TOPOLOGY_INVALID_MANIFEST', ['empty selector is invalid for deployment']],
  ['Pod without an image, refused as the API server (and kubewire serve) refuses it', `${GOOD_APP}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: demo}\nspec: {containers: [{name: c}]}\n`, 'KW_TOPOLOGY_INVALID_MANIFEST', ['(document 5): /spec/containers/0/image', 'Pod "p" is invalid: spec.containers[0].image: Required value']],
  ['Deployment whose template has a containerPort out of range', appWith((docs) => { ((spec(docs[1])['template'] as Doc)['spec'] as Doc)['containers'] = [{ name: 'web', image: 'agnhost', ports: [{ containerPort: 70000 }] }]; }), 'KW_TOPOLOGY_INVALID_MANIFEST', ['(document 2): /spec/template/spec/containers/0/ports/0/containerPort', 'Deployment.apps "web" is invalid', 'must be between 1 and 65535, inclusive']],
  ['Deployment whose template spreads by a selector the API server refuses (In without values)', appWith((docs) => { ((spec(docs[1])['template'] as Doc)['spec'] as Doc)['topologySpreadConstraints'] = [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] } }]; }), 'KW_TOPOLOGY_INVALID_MANIFEST', ['(document 2): /spec/template/spec/topologySpreadConstraints/0/labelSelector/matchExpressions/0/values', "must be specified when `operator` is 'In' or 'NotIn'"]],
  ['Service with two unnamed ports', appWith((docs) => { spec(docs[2])['ports'] = [{ port: 80 }, { port: 81 }]; }), 'KW_TOPOLOGY_INVALID_MANIFEST', ['(document 3): /spec/ports/', 'Service "web" is invalid']],
  ['bad selector operator', appWith((docs) => { spec(docs[1])['selector'] = { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['web'] }] }; }), 'KW_TOPOLOGY_INVALID_MANIFEST', ['/spec/selector/matchExpressions/0/operator', 'Unsupported value: "Equals"']],
];

for (const [name, app, code, parts] of bad) {
  test(`bad manifest: ${name}`, async (t) => {
    await rejectsWith(t, load(app), code, parts);
  });
}

test('selectors with matchExpressions are matched as the API server does', async (t) => {
  const ok = appWith((docs) => {
    spec(docs[1])['selector'] = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }, { key: 'canary', operator: 'DoesNotExist' }] };
    ((spec(docs[1])['template'] as Doc)['metadata'] as Doc)['labels'] = { app: 'web', tier: 'edge' };
  });
  await t.notThrowsAsync(load(ok));
  const notIn = appWith((docs) => {
    spec(docs[1])['selector'] = { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['edge'] }] };
    ((spec(docs[1])['template'] as Doc)['metadata'] as Doc)['labels'] = { app: 'web', tier: 'edge' };
  });
  await rejectsWith(t, load(notIn), 'KW_TOPOLOGY_INVALID_MANIFEST', ['does not match']);
});

test('a clusterIP given in the manifest is kept as written, headless and empty ones are accepted', async (t) => {
  const app = appWith((docs) => {
    docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless', namespace: 'demo' }, spec: { clusterIP: 'None', ports: [{ port: 1 }] } });
    docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'later', namespace: 'demo' }, spec: { clusterIP: '', ports: [{ port: 1 }] } });
  });
  const topo = await load(app);
  const ips = topo.objects.filter((o) => o.object.kind === 'Service').map((o) => (o.object['spec'] as Doc)['clusterIP']);
  t.deepEqual(ips, ['10.96.0.10', 'None', '']);
});
