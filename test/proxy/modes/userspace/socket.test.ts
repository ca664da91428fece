import test from 'ava';
import { parseIp4 } from '../../../../src/addr/index.js';
import { makeSkb, withDevs } from '../../../../src/datapath/skb-ops.js';
import type { HostView, Skb } from '../../../../src/net/index.js';
import { makePacket } from '../../../../src/packet/index.js';
import { UserspaceSockets } from '../../../../src/proxy/index.js';

const NODE = parseIp4('192.168.0.2');
const HOST: HostView = { netns: 'node/a', addrType: () => 'UNICAST', primaryAddress: () => NODE, sourceAddressFor: () => NODE };

const sockets = (affinitySeconds: number): UserspaceSockets => {
  const s = new UserspaceSockets('node/a');
  s.replace([{ proxyPort: 40000, proto: 'tcp', name: 'ns1/web:http', endpoints: ['10.180.0.1:8080', '10.180.0.2:8081'], affinitySeconds }]);
  return s;
};

/** A first packet arriving on eth0 for a port of the node. */
const skbTo = (port: number): Skb =>
  withDevs(makeSkb(makePacket({ src: parseIp4('10.0.0.9'), dst: NODE, proto: 'tcp', sport: 33000, dport: port }), undefined), 'eth0', undefined, undefined, undefined, false);

test('a packet for a proxy port: one new connection per endpoint, 1/n each, from the node to the endpoint address and port', (t) => {
  const bs = sockets(0).process('INPUT', skbTo(40000), HOST);
  t.deepEqual(
    bs.map((b) => [b.probability.toString(), b.verdict.kind === 'proxy' ? `${b.verdict.packet.src}>${b.verdict.packet.dst}:${b.verdict.packet.dport}` : b.verdict.kind]),
    [
      ['1/2', `${NODE}>${parseIp4('10.180.0.1')}:8080`],
      ['1/2', `${NODE}>${parseIp4('10.180.0.2')}:8081`],
    ],
  );
  t.is(sockets(0).process('INPUT', skbTo(40001), HOST)[0]?.verdict.kind, 'accept', 'not a proxy port');
});

test('ClientIP affinity: the pick is remembered on the path, and the next connection of that client is pinned to it', (t) => {
  const s = sockets(10800);
  const first = s.process('INPUT', skbTo(40000), HOST);
  t.is(first.length, 2);
  const second = first[1];
  if (second === undefined) return t.fail();
  const again = s.process('INPUT', { ...skbTo(40000), ...(second.skb.pathState === undefined ? {} : { pathState: second.skb.pathState }) }, HOST);
  t.is(again.length, 1);
  t.is(again[0]?.probability.toString(), '1');
  t.is(again[0]?.verdict.kind === 'proxy' ? again[0].verdict.packet.dport : 0, 8081);
  t.regex(again[0]?.hops[0]?.detail ?? '', /ClientIP affinity: 10\.0\.0\.9 is pinned to 10\.180\.0\.2:8081 \(10800 s\)/);
});
