import test from 'ava';
import { Cidr4 } from '../../../../src/addr/index.js';
import { IptablesProxier } from '../../../../src/proxy/index.js';
import { fakeProxierConfig, testLocalIPs } from '../../helpers.js';
import { flowScenarios, type FlowScenario } from '../../fixtures/packet-flows.js';
import { Tracer } from '../../tracer.js';

function render(sc: FlowScenario): string {
  const fl = sc.flags;
  const cfg = fakeProxierConfig({
    masqueradeAll: fl.masqueradeAll ?? false,
    localhostNodePorts: fl.localhostNodePorts ?? true,
    ...(fl.nodePortAddresses === undefined ? {} : { nodePortAddresses: fl.nodePortAddresses.map((c) => Cidr4.parse(c)) }),
  });
  const { clusterCIDR: _drop, ...noDetector } = cfg;
  const p = new IptablesProxier(fl.noClusterCIDR === true ? noDetector : cfg);
  for (const s of sc.services) p.onServiceAdd(s);
  for (const e of sc.slices) p.onEndpointSliceAdd(e);
  return p.sync().restore;
}

for (const sc of flowScenarios) {
  test(`${sc.upstream} [${sc.name}]: packet flows`, (t) => {
    const restore = render(sc);
    const tracer = new Tracer(restore, testLocalIPs);
    for (const fl of sc.flows) {
      const r = tracer.trace(fl.sourceIP, (fl.protocol ?? 'TCP').toLowerCase(), fl.destIP, fl.destPort);
      const ok = r.output === fl.output && r.masq === fl.masq;
      if (!ok) t.log(`${fl.name}: got "${r.output}" masq=${r.masq}, want "${fl.output}" masq=${fl.masq}\n  ${r.matched.join('\n  ')}`);
      t.deepEqual({ output: r.output, masq: r.masq }, { output: fl.output, masq: fl.masq }, fl.name);
    }
  });
}

test('TestNodePorts: KUBE-FIREWALL anti-martian rule only with IPv4 localhost NodePorts', (t) => {
  const on = new IptablesProxier(fakeProxierConfig()).sync().restore;
  const off = new IptablesProxier(fakeProxierConfig({ localhostNodePorts: false })).sync().restore;
  const rule = '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n';
  t.true(on.includes(rule));
  t.false(off.includes('KUBE-FIREWALL'));
  t.true(off.includes('-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS'));
});
