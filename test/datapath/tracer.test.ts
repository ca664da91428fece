import test from 'ava';
import { Cidr4, parseIp4 } from '../../src/addr/index.js';
import { traceInCluster } from '../../src/cluster/index.js';
import { TWO_NODE_PODS, inlineCluster, twoNodeYaml } from '../helpers/cluster.js';

/** The link and routing steps, without the netfilter rules that fired between them. */
const steps = (hops: readonly { step: string }[]): string[] => hops.map((h) => h.step).filter((s) => s !== 'netfilter');

test('same-node pod to pod is bridged on cni0 without touching the node IP stack', async (t) => {
  const c = await inlineCluster(twoNodeYaml(), { 'pods.yaml': TWO_NODE_PODS });
  const r = traceInCluster(c, { from: 'pod/default/a1', to: 'pod/default/a2:8080' });
  t.is(r.paths.length, 1);
  const p = r.paths[0]!;
  t.is(p.verdict, 'delivered');
  t.true(p.probability.isOne());
  t.deepEqual(p.delivered, { pod: 'default/a2', node: 'n1', ip: '10.244.1.3', port: 8080 });
  t.is(p.sourceSeen, '10.244.1.2');
  t.deepEqual(steps(p.hops), ['send', 'route-lookup', 'veth', 'bridge-forward', 'veth', 'deliver']);
  t.false(p.hops.some((h) => h.step === 'forward'), 'bridged traffic is not routed');
  t.is(p.hops.find((h) => h.step === 'bridge-forward')?.iface, 'cni0');
  // bridge-nf-call-iptables=1: the bridged frame still traverses iptables FORWARD (br_netfilter).
  t.true(p.hops.some((h) => h.step === 'netfilter' && h.rule?.startsWith('-A FORWARD ') === true));
});

test('cross-node host-gw: routed via the other node IP, TTL decremented twice', async (t) => {
  const c = await inlineCluster(twoNodeYaml(), { 'pods.yaml': TWO_NODE_PODS });
  const r = traceInCluster(c, { from: 'pod/default/a1', to: 'pod/default/b1:8080' });
  const p = r.paths[0]!;
  t.is(p.verdict, 'delivered');
  t.deepEqual(p.delivered, { pod: 'default/b1', node: 'n2', ip: '10.244.2.2', port: 8080 });
  const route = p.hops.find((h) => h.netns === 'node/n1' && h.step === 'route-lookup');
  t.regex(route?.detail ?? '', /10\.244\.2\.2 via 192\.168\.50\.12 dev eth0: route 10\.244\.2\.0\/24/);
  t.deepEqual(steps(p.hops), ['send', 'route-lookup', 'veth', 'bridge-local', 'route-lookup', 'forward', 'uplink', 'route-lookup', 'forward', 'bridge-forward', 'veth', 'deliver']);
  t.is(p.finalPacket.ttl, 62);
  t.is(p.sourceSeen, '10.244.1.2');
});

test('cross-node vxlan: the encapsulation and decapsulation hops are visible', async (t) => {
  const c = await inlineCluster(twoNodeYaml({ network: 'vxlan' }), { 'pods.yaml': TWO_NODE_PODS });
  const r = traceInCluster(c, { from: 'pod/default/a1', to: 'pod/default/b1:8080' });
  const p = r.paths[0]!;
  t.is(p.verdict, 'delivered');
  t.is(p.delivered?.pod, 'default/b1');
  const encap = p.hops.find((h) => h.step === 'vxlan-encap');
  t.is(encap?.netns, 'node/n1');
  t.is(encap?.iface, 'flannel.1');
  t.regex(encap?.detail ?? '', /VNI 1: tcp 10\.244\.1\.2:40000 -> 10\.244\.2\.2:8080 inside udp 192\.168\.50\.11:\d+ -> 192\.168\.50\.12:8472/);
  const decap = p.hops.find((h) => h.step === 'vxlan-decap');
  t.is(decap?.netns, 'node/n2');
  const route = p.hops.find((h) => h.netns === 'node/n1' && h.step === 'route-lookup');
  t.regex(route?.detail ?? '', /via 10\.244\.2\.0 dev flannel\.1/);
  t.is(p.sourceSeen, '10.244.1.2');
});

test('no route: unreachable, naming the namespace and the address without a route', async (t) => {
  const c = await inlineCluster(twoNodeYaml({ gateway: false }), { 'pods.yaml': TWO_NODE_PODS });
  const r = traceInCluster(c, { from: 'pod/default/a1', to: '8.8.8.8:53', proto: 'udp' });
  const p = r.paths[0]!;
  t.is(p.verdict, 'unreachable');
  t.regex(p.reason ?? '', /no route to 8\.8\.8\.8 in node\/n1/);
  t.is(p.delivered, null);
  t.is(p.hops.at(-1)?.step, 'icmp-error');
});

test('with a gateway, traffic for the outside world exits the modelled network', async (t) => {
  const c = await inlineCluster(twoNodeYaml(), { 'pods.yaml': TWO_NODE_PODS });
  const p = traceInCluster(c, { from: 'pod/default/a1', to: '8.8.8.8:53', proto: 'udp' }).paths[0]!;
  t.is(p.verdict, 'exited');
  t.is(p.hops.at(-1)?.step, 'exit');
});

test('TTL expiry: a packet sent with TTL 1 dies at the first router', async (t) => {
  const c = await inlineCluster(twoNodeYaml(), { 'pods.yaml': TWO_NODE_PODS });
  const p = traceInCluster(c, { from: 'pod/default/a1', to: 'pod/default/b1:8080', ttl: 1 }).paths[0]!;
  t.is(p.verdict, 'expired');
  t.regex(p.reason ?? '', /TTL expired in node\/n1: ICMP time exceeded sent to 10\.244\.1\.2 from 10\.244\.1\.1/);
  const p2 = traceInCluster(c, { from: 'pod/default/a1', to: 'pod/default/b1:8080', ttl: 2 }).paths[0]!;
  t.is(p2.verdict, 'expired', 'TTL 2 survives node n1 and dies at n2');
  t.regex(p2.reason ?? '', /node\/n2/);
  const p3 = traceInCluster(c, { from: 'pod/default/a1', to: 'pod/default/a2:8080', ttl: 1 }).paths[0]!;
  t.is(p3.verdict, 'delivered', 'bridged traffic does not decrement TTL');
});

test('an address nobody owns on the node network is unreachable after ARP fails', async (t) => {
  const c = await inlineCluster(twoNodeYaml(), { 'pods.yaml': TWO_NODE_PODS });
  const p = traceInCluster(c, { from: 'external/ext', to: '192.168.50.99:80' }).paths[0]!;
  t.is(p.verdict, 'unreachable');
  t.regex(p.reason ?? '', /no neighbour answers ARP for 192\.168\.50\.99 on eth0/);
});

test('external host to a node address is delivered to the node itself', async (t) => {
  const c = await inlineCluster(twoNodeYaml(), { 'pods.yaml': TWO_NODE_PODS });
  const p = traceInCluster(c, { from: 'external/ext', to: 'node/n2:22' }).paths[0]!;
  t.deepEqual(p.delivered, { pod: null, node: 'n2', ip: '192.168.50.12', port: 22 });
  t.is(p.sourceSeen, '192.168.50.200');
});

test('a pod does not forward: ip_forward is 0 in pod namespaces', async (t) => {
  const c = await inlineCluster(twoNodeYaml(), { 'pods.yaml': TWO_NODE_PODS });
  // Make n1 route a foreign prefix through pod a1 (10.244.1.2): the frame reaches a1, whose stack is not a router.
  c.network.get('node/n1').addRoute({ dst: Cidr4.parse('10.99.0.0/24'), type: 'unicast', gateway: parseIp4('10.244.1.2'), dev: 'cni0', proto: 'static', scope: 'global' });
  const r = traceInCluster(c, { from: 'node/n1', to: '10.99.0.5:80' });
  t.is(r.paths.length, 1);
  const p = r.paths[0]!;
  t.is(p.verdict, 'dropped');
  t.is(p.reason, '10.99.0.5 is not local to pod/default/a1 and ip_forward is 0 there: not a router');
  t.is(p.hops.at(-1)?.netns, 'pod/default/a1');
  t.is(p.hops.at(-1)?.step, 'drop');
});

test('an external host has no route to pod addresses: it sends them to its default gateway, out of the model', async (t) => {
  const c = await inlineCluster(twoNodeYaml(), { 'pods.yaml': TWO_NODE_PODS });
  const p = traceInCluster(c, { from: 'external/ext', to: 'pod/default/a1:8080' }).paths[0]!;
  t.is(p.verdict, 'exited', 'the external host sends pod addresses to its default gateway, outside the model');
});

test('a trace after the topology changed sees the change: the bridge stops answering ARP for an address its pod gave up, and answers again when it is back', async (t) => {
  const c = await inlineCluster(twoNodeYaml(), { 'pods.yaml': TWO_NODE_PODS });
  const trace = (): string => traceInCluster(c, { from: 'pod/default/b1', to: 'pod/default/a2:8080' }).paths[0]?.verdict ?? 'none';
  t.is(trace(), 'delivered');
  const ns = c.network.get('pod/default/a2');
  const eth0 = ns.link('eth0');
  const addr = eth0?.addrs[0];
  if (addr === undefined) return t.fail('no address on eth0');
  ns.delAddr('eth0', addr);
  const gone = traceInCluster(c, { from: 'pod/default/b1', to: 'pod/default/a2:8080' }).paths[0];
  t.is(gone?.verdict, 'unreachable', 'n1 no longer finds a neighbour for 10.244.1.3 behind cni0');
  t.regex(gone?.reason ?? '', /no neighbour answers ARP for 10\.244\.1\.3 on cni0/);
  ns.addAddr('eth0', addr);
  t.is(trace(), 'delivered');
});
