import test from 'ava';
import { runCli } from '../../src/cli/main.js';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const TOPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'topologies', 'three-node.yaml');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

test('kubewire dns answers A for a Service via the search path and shows the query reaching CoreDNS', async (t) => {
  const r = await cli(['dns', TOPO, 'web', '--from', 'pod/demo/client']);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /^web\.demo\.svc\.cluster\.local\.\t30\tIN\tA\t10\.\d+\.\d+\.\d+$/m);
  t.regex(r.out, /;; query path: pod\/demo\/client -> kube-system\/kube-dns 10\.96\.0\.10:53\/udp/);
  t.is((r.out.match(/1\/2 {2}kube-system\/coredns-/g) ?? []).length, 2);
});

test('kubewire dns: unknown names are NXDOMAIN, a bad --type is exit 2', async (t) => {
  const r = await cli(['dns', TOPO, 'nothing.demo.svc.cluster.local.', '--type', 'A']);
  t.is(r.code, 0);
  t.regex(r.out, /status: NXDOMAIN/);
  const bad = await cli(['dns', TOPO, 'web', '--type', 'MX']);
  t.is(bad.code, 2);
  t.regex(bad.err, /--type MX: expected one of A, AAAA, SRV, CNAME/);
});

test('kubewire env prints the kubelet’s service variables for a pod', async (t) => {
  const r = await cli(['env', TOPO, 'pod/demo/client']);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /^KUBERNETES_SERVICE_HOST=10\.96\.0\.1$/m);
  t.regex(r.out, /^WEB_NODEPORT_PORT_80_TCP=tcp:\/\/10\.\d+\.\d+\.\d+:80$/m);
  const bad = await cli(['env', TOPO, 'pod/demo/ghost']);
  t.is(bad.code, 2);
  t.regex(bad.err, /no pod demo\/ghost/);
});
