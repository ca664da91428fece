import test from 'ava';
import { parseIp4 } from '../../../../src/addr/index.js';
import { printIpvsadmSave } from '../../../../src/net/index.js';
import { IpvsProxier } from '../../../../src/proxy/index.js';
import { overallServices, overallSlices } from '../../fixtures/overall-services.js';
import { fakeProxierConfig, makeTestEndpointSlice, makeTestService, tcpPort } from '../../helpers.js';

function synced(over: Parameters<typeof fakeProxierConfig>[0] = {}) {
  const p = new IpvsProxier(fakeProxierConfig(over));
  for (const s of overallServices()) p.onServiceAdd(s);
  for (const e of overallSlices()) p.onEndpointSliceAdd(e);
  return p.sync();
}

test('TestOverallIPTablesRules services in IPVS mode: one virtual server per address and port, Masq real servers of weight 1', (t) => {
  const save = printIpvsadmSave(synced().virtualServices);
  // svc1: ClusterIP only.
  t.regex(save, /^-A -t 172\.30\.0\.41:80 -s rr\n-a -t 172\.30\.0\.41:80 -r 10\.180\.0\.1:80 -m -w 1$/m);
  // svc2: eTP Local without a local endpoint: LB, EIP and NodePorts fall back to the cluster endpoint (PR #97081).
  t.regex(save, /^-A -t 1\.2\.3\.4:80 -s rr\n-a -t 1\.2\.3\.4:80 -r 10\.180\.0\.2:80 -m -w 1$/m);
  t.regex(save, /^-A -t 192\.168\.99\.22:80 -s rr\n-a -t 192\.168\.99\.22:80 -r 10\.180\.0\.2:80 -m -w 1$/m);
  // NodePort 3001 on every node address but loopback (192.168.0.2, 192.168.1.2, 192.168.99.11).
  t.deepEqual(save.match(/^-A -t [\d.]+:3001 -s rr$/gm), ['-A -t 192.168.0.2:3001 -s rr', '-A -t 192.168.1.2:3001 -s rr', '-A -t 192.168.99.11:3001 -s rr']);
  // svc5: ClientIP affinity -> persistent 10800.
  t.regex(save, /^-A -t 5\.6\.7\.8:80 -s rr -p 10800$/m);
  // svc6: no endpoints, a virtual server without real servers.
  t.regex(save, /^-A -t 172\.30\.0\.46:80 -s rr\n-A /m);
});

test('ipsets: the members kube-proxy writes for each service feature', (t) => {
  const r = synced();
  const has = (line: string): void => {
    t.true(r.ipset.split('\n').includes(line), line);
  };
  has('create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536');
  has('add KUBE-CLUSTER-IP 172.30.0.41,tcp:80');
  has('add KUBE-LOAD-BALANCER 1.2.3.4,tcp:80');
  has('add KUBE-LOAD-BALANCER-LOCAL 1.2.3.4,tcp:80');
  has('add KUBE-EXTERNAL-IP-LOCAL 192.168.99.22,tcp:80');
  has('add KUBE-EXTERNAL-IP 192.168.99.33,tcp:80');
  has('add KUBE-NODE-PORT-LOCAL-TCP 3001');
  has('add KUBE-NODE-PORT-TCP 3002');
  has('add KUBE-LOAD-BALANCER-FW 5.6.7.8,tcp:80');
  has('add KUBE-LOAD-BALANCER-SOURCE-CIDR 5.6.7.8,tcp:80,203.0.113.0/25');
  has('add KUBE-LOOP-BACK 10.180.0.5,tcp:80,10.180.0.5');
  t.false(r.ipset.includes('add KUBE-LOOP-BACK 10.180.0.4'), 'only local endpoints are hairpin candidates');
  t.false(r.ipset.includes('KUBE-LOAD-BALANCER-SOURCE-IP 5.6.7.8'), 'the node IP 192.168.0.2 is outside 203.0.113.0/25');
  // kube-ipvs0 holds ClusterIPs, LB IPs and EIPs, but not 192.168.99.11 (already a node address).
  t.true(r.dummyAddresses.includes('172.30.0.41') && r.dummyAddresses.includes('1.2.3.4') && r.dummyAddresses.includes('192.168.99.22'));
  has('add KUBE-IPVS-IPS 172.30.0.46');
});

test('iptables rules: constant per mode, keyed on the sets; the v1.26 layout has no KUBE-IPVS-FILTER', (t) => {
  const r = synced();
  t.true(r.restore.includes('-A KUBE-SERVICES ! -s 10.0.0.0/8 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ') === false);
  t.true(r.restore.includes('-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ'));
  t.true(r.restore.includes('-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port with externalTrafficPolicy=local" -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN'));
  t.true(r.restore.includes('-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT'));
  const old = synced({ ipvsAccessFilter: false });
  t.false(old.restore.includes('KUBE-IPVS-FILTER'));
  // 100 more ClusterIP services with endpoints: more set members and virtual servers, not one more rule.
  const p = new IpvsProxier(fakeProxierConfig());
  for (const s of overallServices()) p.onServiceAdd(s);
  for (const e of overallSlices()) p.onEndpointSliceAdd(e);
  for (let i = 0; i < 100; i++) {
    p.onServiceAdd(makeTestService('bulk', `s${i}`, (s) => {
      s.spec.clusterIP = `172.30.1.${i + 1}`;
      s.spec.ports = [{ name: 'p80', port: 80, protocol: 'TCP' }];
    }));
    p.onEndpointSliceAdd(makeTestEndpointSlice('bulk', `s${i}`, 1, [{ addresses: [`10.181.0.${i + 1}`] }], [tcpPort('p80', 80)]));
  }
  const big = p.sync();
  const rules = (x: string): number => x.split('\n').filter((l) => l.startsWith('-A')).length;
  t.is(rules(big.restore), rules(r.restore));
  t.is(big.virtualServices.length, r.virtualServices.length + 100);
});

test('the scheduler flag: mh gets mh-port (FlagSourceHash); an unknown scheduler is refused naming the field', (t) => {
  t.true(synced({ ipvsScheduler: 'mh' }).virtualServices.every((s) => s.vs.scheduler === 'mh' && s.vs.flags.includes('mh-port')));
  const e = t.throws(() => new IpvsProxier(fakeProxierConfig({ ipvsScheduler: 'fifo' })));
  t.regex(e?.message ?? '', /ProxierConfig\.ipvsScheduler: ipvsScheduler "fifo" is not one of rr, wrr/);
  t.is(synced().virtualServices.find((s) => s.vs.address === parseIp4('172.30.0.41'))?.dests.length, 1);
});
