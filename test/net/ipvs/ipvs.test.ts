import test from 'ava';
import { ip4ToString, parseIp4 } from '../../../src/addr/index.js';
import { type HostView, Ipvs, NEW_CT, type Skb } from '../../../src/net/index.js';
import { makePacket } from '../../../src/packet/index.js';

const HOST: HostView = { netns: 'n', addrType: () => 'UNICAST', primaryAddress: () => undefined, sourceAddressFor: () => undefined };
const skb = (src: string, dport = 80): Skb => ({ packet: makePacket({ src: parseIp4(src), dst: parseIp4('10.96.0.15'), proto: 'tcp', sport: 40000, dport }), mark: 0, ct: NEW_CT, inDev: 'cni0', outDev: undefined, physIn: undefined, physOut: undefined, bridged: false });

function ipvs(persistent: boolean): Ipvs {
  const v = new Ipvs('node/n1');
  v.addVirtualServer({ protocol: 'TCP', address: parseIp4('10.96.0.15'), port: 80, scheduler: 'rr', flags: [], ...(persistent ? { persistent: { timeout: 10800, netmask: parseIp4('255.255.255.255') } } : {}) });
  v.addRealServer({ protocol: 'TCP', address: parseIp4('10.96.0.15'), port: 80 }, { address: parseIp4('10.244.1.2'), port: 8080, weight: 1, forward: 'Masq', activeConn: 0, inactConn: 0 });
  v.addRealServer({ protocol: 'TCP', address: parseIp4('10.96.0.15'), port: 80 }, { address: parseIp4('10.244.2.2'), port: 8080, weight: 1, forward: 'Masq', activeConn: 0, inactConn: 0 });
  return v;
}

test('a first packet to a virtual server is DNATed to each real server and handed back for re-routing', (t) => {
  const b = ipvs(false).process('INPUT', skb('10.244.1.3'), HOST);
  t.deepEqual(b.map((x) => `${x.probability.toString()} ${x.verdict.kind} ${ip4ToString(x.skb.packet.dst)}:${x.skb.packet.dport}`), ['1/2 reroute 10.244.1.2:8080', '1/2 reroute 10.244.2.2:8080']);
  t.is(b[0]?.hops[0]?.nat?.type, 'dnat');
  t.regex(b[0]?.hops[0]?.detail ?? '', /IPVS TCP 10\.96\.0\.15:80 rr at LOCAL_IN \(ip_vs_remote_request4\): → 10\.244\.1\.2:8080 Masq weight 1/);
});

test('other ports, replies and established packets pass untouched', (t) => {
  const v = ipvs(false);
  t.is(v.process('INPUT', skb('10.244.1.3', 81), HOST)[0]?.verdict.kind, 'accept');
  t.is(v.process('INPUT', { ...skb('10.244.1.3'), ct: { ...NEW_CT, state: 'ESTABLISHED' } }, HOST)[0]?.verdict.kind, 'accept');
});

test('persistence: the template made on the first connection pins the client on its next one', (t) => {
  const v = ipvs(true);
  const first = v.process('INPUT', skb('10.244.1.3'), HOST);
  t.is(first.length, 2);
  for (const b of first) {
    const chosen = ip4ToString(b.skb.packet.dst);
    const again = v.process('INPUT', { ...skb('10.244.1.3'), ...(b.skb.pathState === undefined ? {} : { pathState: b.skb.pathState }) }, HOST);
    t.deepEqual(again.map((x) => ip4ToString(x.skb.packet.dst)), [chosen]);
    t.regex(again[0]?.hops[0]?.detail ?? '', /persistence template 10\.244\.1\.3 → /);
    const other = v.process('INPUT', { ...skb('10.244.1.4'), ...(b.skb.pathState === undefined ? {} : { pathState: b.skb.pathState }) }, HOST);
    t.is(other.length, 2, 'another client is scheduled afresh');
  }
});

test('no real server: rejected with ICMP port unreachable (ip_vs_leave)', (t) => {
  const v = new Ipvs('node/n1');
  v.addVirtualServer({ protocol: 'TCP', address: parseIp4('10.96.0.15'), port: 80, scheduler: 'rr', flags: [] });
  const b = v.process('INPUT', skb('10.244.1.3'), HOST);
  t.is(b[0]?.verdict.kind, 'reject');
  t.regex(b[0]?.verdict.kind === 'reject' ? b[0].verdict.reason : '', /ip_vs_leave sends ICMP port unreachable/);
});
