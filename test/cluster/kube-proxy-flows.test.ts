import test from 'ava';
import { Cidr4 } from '../../src/addr/index.js';
import { traceIptablesSave } from '../../src/cluster/index.js';
import type { TracePath } from '../../src/datapath/index.js';
import { ip4ToString } from '../../src/addr/index.js';
import { IptablesProxier } from '../../src/proxy/index.js';
import { type FlowScenario, type PacketFlow, flowScenarios } from '../proxy/fixtures/packet-flows.js';
import { fakeProxierConfig, testExternalIP, testNodeIP, testNodeIPAlt } from '../proxy/helpers.js';

/**
 * kube-proxy's own packet-flow expectations (proxier_test.go runPacketFlowTests), run through the
 * real pipeline: our rendered rules parsed by the netfilter engine and walked by the datapath
 * (PREROUTING, routing, INPUT or FORWARD, POSTROUTING). Upstream's tracer always enters at nat
 * PREROUTING, so every packet here arrives on an interface, even from the node's own addresses.
 */
function nodeView(sc: FlowScenario): string {
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
  p.sync();
  return p.nodeView();
}

/** Upstream's output for one path: the DNAT destination, ACCEPT/DROP/REJECT, or '' when nothing matched. */
function outcome(p: TracePath, flow: PacketFlow): string {
  if (p.verdict === 'dropped' && p.hops.some((h) => h.rule?.endsWith('-j DROP') === true)) return 'DROP';
  if (p.verdict === 'rejected') return 'REJECT';
  const dnat = p.hops.find((h) => h.nat?.type === 'dnat');
  if (dnat !== undefined) return `${ip4ToString(p.finalPacket.dst)}:${p.finalPacket.dport}`;
  if (p.hops.some((h) => h.table === 'filter' && h.rule?.endsWith('-j ACCEPT') === true && h.chain?.startsWith('KUBE-') === true)) return 'ACCEPT';
  return p.verdict === 'dropped' ? `dropped (${p.reason ?? ''})` : flow.output === '' ? '' : `no rule (${p.verdict})`;
}

for (const sc of flowScenarios) {
  test(`${sc.upstream} [${sc.name}]: flows through the netfilter engine and datapath`, (t) => {
    const dump = nodeView(sc);
    for (const flow of sc.flows) {
      const inIface = flow.sourceIP.startsWith('127.') ? 'lo' : 'eth0';
      const r = traceIptablesSave({
        dump,
        dumpFile: sc.name,
        from: flow.sourceIP,
        to: `${flow.destIP}:${flow.destPort}`,
        proto: (flow.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp' | 'sctp',
        nodeIps: [testNodeIP, testNodeIPAlt, testExternalIP],
        inIface,
      });
      const outputs = [...new Set(r.paths.map((p) => outcome(p, flow)))];
      const endpoints = outputs.filter((o) => /^\d/.test(o)).sort((a, b) => (a < b ? -1 : 1));
      const got = endpoints.length > 0 ? endpoints.join(', ') : outputs.join(' | ');
      const masq = r.paths.some((p) => p.hops.some((h) => h.rule?.includes('-j KUBE-MARK-MASQ') === true));
      const want = flow.output.split(', ').sort((a, b) => (a < b ? -1 : 1)).join(', ');
      if (got !== want || masq !== flow.masq) {
        t.log(`${flow.name}: ${flow.sourceIP} -> ${flow.destIP}:${flow.destPort} got "${got}" masq=${masq}, want "${want}" masq=${flow.masq}`);
        for (const p of r.paths) t.log(`   path ${p.verdict} ${p.reason ?? ''}\n     ${p.hops.filter((h) => h.rule !== null).map((h) => `${h.table ?? ''}/${h.chain ?? ''}#${h.ruleNumber ?? ''} ${h.rule ?? ''}`).join('\n     ')}`);
      }
      t.deepEqual({ output: got, masq }, { output: want, masq: flow.masq }, flow.name);
    }
  });
}
