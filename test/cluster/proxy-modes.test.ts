import test from 'ava';
import { traceInCluster } from '../../src/cluster/index.js';
import type { Cluster } from '../../src/cluster/index.js';
import type { ProxyMode } from '../../src/proxy/index.js';
import { outcome, servicesCluster, summary } from '../helpers/mode-flows.js';

const clusters = new Map<string, Promise<Cluster>>();
const cluster = (mode: ProxyMode): Promise<Cluster> => {
  let c = clusters.get(mode);
  if (c === undefined) clusters.set(mode, (c = servicesCluster(mode)));
  return c;
};

/**
 * Every Service type and traffic policy of services.test.ts (iptables mode), traced under all four
 * modes. Each mode must reach the same backends with the same source seen as iptables mode, except
 * where a documented difference (README "Proxy modes", ids D1-D8) says otherwise; those cases are
 * spelled out below with their hand-checked result.
 */
const FLOWS: readonly { name: string; from: string; to: string }[] = [
  { name: 'ClusterIP from a pod', from: 'pod/default/client', to: 'svc/default/web:http' },
  { name: 'ClusterIP UDP port', from: 'pod/default/client', to: 'svc/default/web:dns' },
  { name: 'ClusterIP SCTP port', from: 'pod/default/client', to: 'svc/default/web:sctp' },
  { name: 'hairpin (hairpin mode off)', from: 'pod/default/web-1', to: 'svc/default/web:http' },
  { name: 'NodePort, eTP Cluster', from: 'external/ext', to: 'node/n1:30080' },
  { name: 'NodePort, eTP Local, local endpoint', from: 'external/ext', to: 'node/n2:30081' },
  { name: 'NodePort, eTP Local, no local endpoint', from: 'external/ext', to: 'node/n1:30081' },
  { name: 'LoadBalancer, eTP Local', from: 'external/ext', to: '192.168.50.240:80' },
  { name: 'LoadBalancer, eTP Cluster, allowed source', from: 'external/ext', to: '192.168.50.241:80' },
  { name: 'LoadBalancer, source outside loadBalancerSourceRanges', from: 'external/blocked', to: '192.168.50.241:80' },
  { name: 'no endpoints', from: 'pod/default/client', to: 'svc/default/empty:80' },
  { name: 'iTP Local, no local endpoint', from: 'pod/default/client', to: 'svc/default/itp-local:80' },
  { name: 'ClusterIP from the node', from: 'node/n1', to: 'svc/default/web:http' },
  { name: 'sessionAffinity ClientIP', from: 'pod/default/client', to: 'svc/default/sticky:80' },
  { name: 'ExternalIP from outside (nobody announces it)', from: 'external/ext', to: '192.168.50.100:80' },
  { name: 'ExternalIP from a pod', from: 'pod/default/client', to: '192.168.50.100:80' },
];

/** Documented differences: mode → flow name → the outcome hand-checked for that mode. */
const DIFFERENCES: Readonly<Record<Exclude<ProxyMode, 'iptables'>, Readonly<Record<string, string>>>> = {
  ipvs: {
    // D1: IPVS re-routes the packet out of cni0 from the host stack: no bridge hairpin needed; KUBE-LOOP-BACK masquerades.
    'hairpin (hairpin mode off)': 'default/web-1:8080 from 10.244.1.1 | default/web-2:8080 from 10.244.1.2',
    // D2: Local policy without local endpoints falls back to all cluster endpoints (PR #97081); the client IP is kept.
    'NodePort, eTP Local, no local endpoint': 'default/solo:8080 from 192.168.50.200',
    // D3: iTP Local ClusterIP with no local endpoint: the virtual server has no real server, ip_vs_leave answers ICMP port unreachable.
    'iTP Local, no local endpoint': 'rejected',
    // D4: the ExternalIP is bound to kube-ipvs0, so (without strictARP) a node answers ARP for it and serves it.
    'ExternalIP from outside (nobody announces it)': 'default/web-1:8080 from 10.244.1.1 | default/web-2:8080 from 192.168.50.11',
  },
  userspace: {
    // D5: the backend sees the node (the proxy's own connection); a same-node backend sees the bridge address routing picks.
    'ClusterIP from a pod': 'default/web-1:8080 from 10.244.1.1 | default/web-2:8080 from 192.168.50.11',
    'ClusterIP UDP port': 'default/web-1:5353 from 10.244.1.1 | default/web-2:5353 from 192.168.50.11',
    // D6: userspace mode never supported SCTP: no portal, the packet is routed towards the default gateway.
    'ClusterIP SCTP port': 'exited',
    // D5 + D1: the proxy's connection leaves the host stack, so hairpin mode does not matter.
    'hairpin (hairpin mode off)': 'default/web-1:8080 from 10.244.1.1 | default/web-2:8080 from 192.168.50.11',
    // D5 + D6: externalTrafficPolicy is not implemented: the node proxies, the client address is lost.
    'NodePort, eTP Local, local endpoint': 'default/solo:8080 from 10.244.2.1',
    'NodePort, eTP Local, no local endpoint': 'default/solo:8080 from 192.168.50.11',
    'LoadBalancer, eTP Local': 'default/solo:8080 from 10.244.2.1',
    // D6: loadBalancerSourceRanges are not implemented.
    'LoadBalancer, source outside loadBalancerSourceRanges': 'default/web-1:8080 from 10.244.1.1 | default/web-1:8080 from 192.168.50.12 | default/web-2:8080 from 10.244.2.1 | default/web-2:8080 from 192.168.50.11',
    // D6: internalTrafficPolicy is not implemented.
    'iTP Local, no local endpoint': 'default/solo:8080 from 192.168.50.11',
    'sessionAffinity ClientIP': 'default/web-1:8080 from 10.244.1.1 | default/web-2:8080 from 192.168.50.11',
    // D7: ExternalIP portals catch only traffic to a local address or not from a bridge (`! --physdev-is-in`):
    // a pod behind cni0 reaching a non-local ExternalIP is routed out, and nobody answers for it here.
    'ExternalIP from a pod': 'unreachable',
  },
  nftables: {},
};

for (const f of FLOWS) {
  test(`cross-mode: ${f.name} (${f.from} -> ${f.to})`, async (t) => {
    const base = outcome(await cluster('iptables'), f.from, f.to);
    for (const mode of ['ipvs', 'userspace', 'nftables'] as const) {
      const got = outcome(await cluster(mode), f.from, f.to);
      const listed = DIFFERENCES[mode][f.name];
      t.is(got, listed ?? base, `${mode}: ${f.name}${listed === undefined ? ' (same as iptables)' : ' (documented difference)'}`);
      // A listed difference that no longer differs is stale: the README's D1-D8 would then document a deviation
      // that does not exist.
      if (listed !== undefined) t.not(listed, base, `${mode}: ${f.name} is listed as a difference but matches iptables`);
    }
  });
}

test('IPVS: a ClusterIP answers ping without KUBE-IPVS-FILTER (kube-ipvs0 holds it) but is rejected with it; iptables mode does not intercept ping', async (t) => {
  const ipvs = await cluster('ipvs');
  const withFilter = traceInCluster(ipvs, { from: 'pod/default/client', to: '10.96.0.10', proto: 'icmp' });
  t.deepEqual(summary(withFilter.paths), ['1 rejected -:- from -']);
  t.regex(withFilter.paths[0]?.reason ?? '', /KUBE-IPVS-FILTER .*--match-set KUBE-IPVS-IPS dst -j REJECT/);
  const ipt = traceInCluster(await cluster('iptables'), { from: 'pod/default/client', to: '10.96.0.10', proto: 'icmp' });
  t.deepEqual(summary(ipt.paths), ['1 exited -:- from -'], 'no rule matches ICMP to a ClusterIP; the node routes it out');
  // The v1.26 layout has no access filter: the node itself answers.
  const n1 = ipvs.nodes.get('n1');
  t.truthy(n1?.netns.link('kube-ipvs0')?.addrs.some((a) => a.ip === 0x0a60000a));
});

test('IPVS: the trace shows the virtual server, the scheduler and the DNAT, then KUBE-POSTROUTING masquerade on the way out', async (t) => {
  const r = traceInCluster(await cluster('ipvs'), { from: 'external/ext', to: 'node/n1:30080' });
  t.deepEqual(summary(r.paths), ['1/2 delivered default/web-1:8080 from 10.244.1.1', '1/2 delivered default/web-2:8080 from 192.168.50.11']);
  const remote = r.paths.find((p) => p.delivered?.pod === 'default/web-2');
  const ipvsHop = remote?.hops.find((h) => h.step === 'ipvs');
  t.regex(ipvsHop?.detail ?? '', /^IPVS TCP 192\.168\.50\.11:30080 rr at LOCAL_IN \(ip_vs_remote_request4\): → 10\.244\.2\.2:8080 Masq weight 1; rr:/);
  t.is(ipvsHop?.nat?.type, 'dnat');
  t.true(remote?.hops.some((h) => h.rule?.includes('--match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ') === true));
  t.is(remote?.hops.find((h) => h.nat?.type === 'masquerade')?.rule, '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');
});

test('IPVS: rules output lists iptables-save, ipvsadm -Ln and ipset save', async (t) => {
  const text = (await cluster('ipvs')).proxies.get('n1')?.rules() ?? '';
  t.regex(text, /^# iptables-save\n\*mangle/);
  t.regex(text, /\nTCP {2}10\.96\.0\.15:80 rr persistent 10800\n {2}-> 10\.244\.1\.2:8080 {14}Masq {4}1 {6}0 {10}0\n/);
  t.regex(text, /\nTCP {2}192\.168\.50\.11:30080 rr\n/);
  t.regex(text, /\nadd KUBE-CLUSTER-IP 10\.96\.0\.10,udp:53\n/);
  t.regex(text, /\nadd KUBE-LOOP-BACK 10\.244\.1\.2,tcp:8080,10\.244\.1\.2\n/);
  t.regex(text, /\nadd KUBE-NODE-PORT-LOCAL-TCP 30081\n/);
  t.regex(text, /\nadd KUBE-LOAD-BALANCER-SOURCE-CIDR 192\.168\.50\.241,tcp:80,192\.168\.50\.200\n/);
});

test('userspace: two connections, client -> proxy socket, then the node -> backend', async (t) => {
  const r = traceInCluster(await cluster('userspace'), { from: 'pod/default/client', to: 'svc/default/web:http' });
  const remote = r.paths.find((p) => p.delivered?.pod === 'default/web-2');
  t.is(remote?.probability.toString(), '1/2');
  t.true(remote?.hops.some((h) => h.rule?.includes('-j REDIRECT --to-ports 36001') === true), 'the portal rule redirects to the proxy port');
  const proxyHop = remote?.hops.filter((h) => h.step === 'userspace-proxy') ?? [];
  t.regex(proxyHop[0]?.detail ?? '', /kube-proxy \(userspace\) socket 0\.0\.0\.0:36001\/tcp for default\/web:http: backend 10\.244\.2\.2:8080; LoadBalancerRR/);
  t.regex(proxyHop[1]?.detail ?? '', /opens tcp 192\.168\.50\.11:\d+ -> 10\.244\.2\.2:8080/);
  t.is(remote?.sourceSeen, '192.168.50.11');
});

test('nftables: the trace walks the kube-proxy table: service-ips vmap, numgen pick, endpoint dnat', async (t) => {
  const r = traceInCluster(await cluster('nftables'), { from: 'pod/default/client', to: 'svc/default/web:http' });
  t.deepEqual(summary(r.paths), ['1/2 delivered default/web-1:8080 from 10.244.1.3', '1/2 delivered default/web-2:8080 from 10.244.1.3']);
  const hops = r.paths[0]?.hops.filter((h) => h.step === 'nftables') ?? [];
  t.deepEqual(hops.slice(0, 2).map((h) => h.chain), ['filter-prerouting', 'nat-prerouting'], 'filter at dstnat-10 runs before nat; firewall-check has no element for a ClusterIP');
  t.true(hops.some((h) => h.rule === 'ip daddr . meta l4proto . th dport vmap @service-ips' && h.detail.startsWith('10.96.0.10 . tcp . 80 → goto service-')));
  t.true(hops.some((h) => h.rule?.startsWith('numgen random mod 2 vmap { 0 : goto endpoint-') === true));
  t.regex(hops.find((h) => h.nat?.type === 'dnat')?.rule ?? '', /^meta l4proto tcp dnat to 10\.244\.[12]\.2:8080$/);
});
