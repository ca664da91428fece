import test from 'ava';
import { type Cluster, traceInCluster } from '../../src/cluster/index.js';
import type { ConnectionPath, TracePath } from '../../src/datapath/index.js';
import { inlineCluster } from '../helpers/cluster.js';
import { SERVICES_APPS, SERVICES_TOPOLOGY } from '../helpers/services-topology.js';

let cached: Promise<Cluster> | undefined;
const cluster = (): Promise<Cluster> => (cached ??= inlineCluster(SERVICES_TOPOLOGY, { 'apps.yaml': SERVICES_APPS }));

/** One line per path: probability, verdict, receiving pod and port, source seen. */
function summary(paths: readonly TracePath[]): string[] {
  return paths.map((p) => `${p.probability.toString()} ${p.verdict} ${p.delivered?.pod ?? '-'}:${p.delivered?.port ?? '-'} from ${p.sourceSeen ?? '-'}`).sort();
}

const sumIsOne = (paths: readonly TracePath[]): boolean => paths.reduce((a, p) => a.add(p.probability), paths[0]!.probability.sub(paths[0]!.probability)).isOne();

test('ClusterIP from a pod: each endpoint with probability 1/2, the pod sees the client, no SNAT', async (t) => {
  const r = traceInCluster(await cluster(), { from: 'pod/default/client', to: 'svc/default/web:http' });
  t.deepEqual(summary(r.paths), ['1/2 delivered default/web-1:8080 from 10.244.1.3', '1/2 delivered default/web-2:8080 from 10.244.1.3']);
  t.true(sumIsOne(r.paths));
  const dnat = r.paths[0]!.hops.find((h) => h.nat?.type === 'dnat');
  // Rules read as iptables-save prints them on a real node.
  t.regex(dnat?.rule ?? '', /^-A KUBE-SEP-[A-Z2-7]{16} -p tcp -m comment --comment "default\/web:http" -m tcp -j DNAT --to-destination 10\.244\.[12]\.2:8080$/);
  t.is(dnat?.table, 'nat');
  t.regex(dnat?.nat?.before ?? '', /-> 10\.96\.0\.10:80$/);
  const pick = r.paths[0]!.hops.find((h) => h.rule?.includes('--mode random') === true);
  t.regex(pick?.rule ?? '', /-m statistic --mode random --probability 0\.50000000000 -j KUBE-SEP-/);
});

test('multi-port Service: UDP and SCTP ports reach their own named target ports', async (t) => {
  const c = await cluster();
  t.deepEqual(summary(traceInCluster(c, { from: 'pod/default/client', to: 'svc/default/web:dns' }).paths), ['1/2 delivered default/web-1:5353 from 10.244.1.3', '1/2 delivered default/web-2:5353 from 10.244.1.3']);
  t.deepEqual(summary(traceInCluster(c, { from: 'pod/default/client', to: 'svc/default/web:sctp' }).paths), ['1/2 delivered default/web-1:9000 from 10.244.1.3', '1/2 delivered default/web-2:9000 from 10.244.1.3']);
});

test('hairpin: a pod reaching itself through its Service is dropped by the bridge when hairpin mode is off', async (t) => {
  const r = traceInCluster(await cluster(), { from: 'pod/default/web-1', to: 'svc/default/web:http' });
  const self = r.paths.find((p) => p.verdict !== 'delivered');
  t.is(self?.verdict, 'dropped');
  t.regex(self?.reason ?? '', /would go back out its ingress port veth[0-9a-f]{8}, and hairpin mode is off/);
  t.true(self?.hops.some((h) => /^-A KUBE-SEP-[A-Z2-7]{16} -s 10\.244\.1\.2\/32 -m comment --comment "default\/web:http" -j KUBE-MARK-MASQ$/.test(h.rule ?? '')) === true, 'the SEP chain marks hairpin traffic for masquerade');
  t.deepEqual(summary(r.paths.filter((p) => p.verdict === 'delivered')), ['1/2 delivered default/web-2:8080 from 10.244.1.2']);
});

test('hairpin with hairpinMode on: delivered to itself, masqueraded to the bridge address', async (t) => {
  const c = await inlineCluster(SERVICES_TOPOLOGY, { 'apps.yaml': SERVICES_APPS });
  for (const n of c.nodes.values()) for (const l of n.netns.links.values()) if (l.master === 'cni0') l.hairpin = true;
  const r = traceInCluster(c, { from: 'pod/default/web-1', to: 'svc/default/web:http' });
  t.deepEqual(summary(r.paths), ['1/2 delivered default/web-1:8080 from 10.244.1.1', '1/2 delivered default/web-2:8080 from 10.244.1.2']);
});

test('NodePort from outside, externalTrafficPolicy Cluster: masqueraded to the node (or the bridge for a local pod)', async (t) => {
  const r = traceInCluster(await cluster(), { from: 'external/ext', to: 'node/n1:30080' });
  t.deepEqual(summary(r.paths), ['1/2 delivered default/web-1:8080 from 10.244.1.1', '1/2 delivered default/web-2:8080 from 192.168.50.11']);
  const masq = r.paths.find((p) => p.delivered?.pod === 'default/web-2')?.hops.find((h) => h.nat?.type === 'masquerade');
  t.is(masq?.rule, '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');
  t.true(r.paths.every((p) => p.hops.some((h) => h.rule?.includes('-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS') === true)));
});

test('externalTrafficPolicy Local: the client IP is preserved; a node without a local endpoint drops', async (t) => {
  const c = await cluster();
  t.deepEqual(summary(traceInCluster(c, { from: 'external/ext', to: 'node/n2:30081' }).paths), ['1 delivered default/solo:8080 from 192.168.50.200']);
  const r = traceInCluster(c, { from: 'external/ext', to: 'node/n1:30081' });
  t.deepEqual(summary(r.paths), ['1 dropped -:- from -']);
  t.regex(r.paths[0]!.reason ?? '', /filter KUBE-EXTERNAL-SERVICES rule \d+: .*"default\/solo-local:http has no local endpoints".*--dport 30081 -j DROP/);
});

test('LoadBalancer in bgp mode: ECMP over the announcing nodes, only nodes with endpoints under Local policy', async (t) => {
  const c = await cluster();
  t.deepEqual(
    c.announcements.map((a) => `${a.service} ${a.nodes.join(',')}`),
    ['default/solo-local n2', 'default/ranged n1,n2'],
  );
  t.deepEqual(summary(traceInCluster(c, { from: 'external/ext', to: '192.168.50.240:80' }).paths), ['1 delivered default/solo:8080 from 192.168.50.200']);
  const r = traceInCluster(c, { from: 'external/ext', to: '192.168.50.241:80' });
  t.deepEqual(summary(r.paths), [
    '1/4 delivered default/web-1:8080 from 10.244.1.1',
    '1/4 delivered default/web-1:8080 from 192.168.50.12',
    '1/4 delivered default/web-2:8080 from 10.244.2.1',
    '1/4 delivered default/web-2:8080 from 192.168.50.11',
  ]);
  t.true(r.paths.some((p) => p.hops.some((h) => h.detail.includes('ECMP next hop'))));
});

test('loadBalancerSourceRanges: a client outside the ranges is dropped by KUBE-PROXY-FIREWALL', async (t) => {
  const r = traceInCluster(await cluster(), { from: 'external/blocked', to: '192.168.50.241:80' });
  t.true(r.paths.every((p) => p.verdict === 'dropped'));
  t.regex(r.paths[0]!.reason ?? '', /filter KUBE-PROXY-FIREWALL rule 1: .*"default\/ranged:http traffic not accepted by KUBE-FW-[A-Z2-7]{16}".* -j DROP/);
});

test('no endpoints: REJECT with icmp-port-unreachable; internalTrafficPolicy Local with none local: DROP', async (t) => {
  const c = await cluster();
  const none = traceInCluster(c, { from: 'pod/default/client', to: 'svc/default/empty:80' }).paths;
  t.is(none.length, 1);
  t.is(none[0]!.verdict, 'rejected');
  t.regex(none[0]!.reason ?? '', /-A KUBE-SERVICES -d 10\.96\.0\.14\/32 -p tcp -m comment --comment "default\/empty:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable/);
  const itp = traceInCluster(c, { from: 'pod/default/client', to: 'svc/default/itp-local:80' }).paths;
  t.is(itp[0]!.verdict, 'dropped');
  t.regex(itp[0]!.reason ?? '', /"default\/itp-local:http has no local endpoints"/);
});

test('a node reaching a ClusterIP is masqueraded (its address is outside the cluster CIDR)', async (t) => {
  const r = traceInCluster(await cluster(), { from: 'node/n1', to: 'svc/default/web:http' });
  t.deepEqual(summary(r.paths), ['1/2 delivered default/web-1:8080 from 10.244.1.1', '1/2 delivered default/web-2:8080 from 192.168.50.11']);
  t.true(r.paths.every((p) => p.hops.some((h) => h.chain === 'OUTPUT' || h.rule?.startsWith('-A OUTPUT') === true)), 'locally generated: nat OUTPUT, not PREROUTING');
});

test('--connection: replies return through conntrack with the NAT undone', async (t) => {
  const r = traceInCluster(await cluster(), { from: 'external/ext', to: 'node/n1:30080', connection: true });
  t.is(r.paths.length, 2, 'one path per endpoint (web-1, web-2)');
  for (const p of r.paths as readonly ConnectionPath[]) {
    t.is(p.reply?.verdict, 'delivered', p.reply?.reason ?? '');
    t.true(p.reply?.hops.some((h) => h.detail.includes('undo DNAT')) === true);
  }
});

test('--connection: without br_netfilter the same-node reply skips the un-DNAT and the client resets it', async (t) => {
  const c = await inlineCluster(SERVICES_TOPOLOGY, { 'apps.yaml': SERVICES_APPS });
  c.nodes.get('n1')!.netns.sysctl.bridgeNfCallIptables = false;
  const r = traceInCluster(c, { from: 'pod/default/client', to: 'svc/default/web:http', connection: true });
  const local = (r.paths as readonly ConnectionPath[]).find((p) => p.delivered?.pod === 'default/web-1');
  t.is(local?.reply?.verdict, 'rejected');
  t.regex(local?.reply?.reason ?? '', /comes from 10\.244\.1\.2:8080, not from 10\.96\.0\.10:80 .* TCP RST/);
  const remote = (r.paths as readonly ConnectionPath[]).find((p) => p.delivered?.pod === 'default/web-2');
  t.is(remote?.reply?.verdict, 'delivered', 'a reply routed back through the node is un-DNATed by its conntrack');
});

test('sessionAffinity ClientIP: the SEP records the client; the first packet still picks at random', async (t) => {
  const r = traceInCluster(await cluster(), { from: 'pod/default/client', to: 'svc/default/sticky:80' });
  t.deepEqual(summary(r.paths), ['1/2 delivered default/web-1:8080 from 10.244.1.3', '1/2 delivered default/web-2:8080 from 10.244.1.3']);
  for (const p of r.paths) {
    const dnat = p.hops.find((h) => h.nat?.type === 'dnat');
    t.regex(dnat?.rule ?? '', /-m recent --set --name KUBE-SEP-[A-Z2-7]{16} --mask 255\.255\.255\.255 --rsource -m tcp -j DNAT/);
    t.deepEqual(p.notes, [`sessionAffinity ClientIP: later connections from 10.244.1.3 within 10800 s go to ${p.delivered?.pod ?? ''} too (a second connection traced from this path's state lands there with probability 1)`]);
  }
});

test('a packet delivered to a port no container declares says so: the trace delivers it, the note says what the pod answers if nothing listens', async (t) => {
  const c = await cluster();
  const declared = traceInCluster(c, { from: 'pod/default/client', to: 'svc/default/web:http' });
  t.true(declared.paths.every((p) => (p.notes ?? []).length === 0), 'a Service to the declared port carries no note');
  const tcp = traceInCluster(c, { from: 'pod/default/client', to: 'pod/default/web-1:81' });
  t.is(tcp.paths[0]?.verdict, 'delivered');
  t.regex(tcp.paths[0]?.notes?.join('\n') ?? '', /^no container of default\/web-1 declares port 81\/TCP \(it declares 8080\/TCP.*\): Kubernetes delivers it all the same, but unless the application listens there the pod answers with a TCP reset \(connection refused\)$/);
  const udp = traceInCluster(c, { from: 'pod/default/client', to: 'pod/default/web-1:8080', proto: 'udp' });
  t.regex(udp.paths[0]?.notes?.join('\n') ?? '', /declares port 8080\/UDP .*ICMP port unreachable$/);
});
