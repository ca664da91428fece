import test from 'ava';
import { parseIp4 } from '../../src/addr/index.js';
import { Network } from '../../src/net/index.js';

test('addrType names each local subnet broadcast address BROADCAST (on its device) and every other non-local address UNICAST, as addresses come and go', (t) => {
  const net = new Network();
  const ns = net.addNetns('n', { kind: 'external', name: 'n' });
  net.addUplink(ns, 'eth0', net.segment('s'), { ip: parseIp4('192.168.0.2'), prefix: 16 });
  const br = net.addBridge(ns, 'cni0');
  ns.addAddr(br.name, { ip: parseIp4('10.244.1.1'), prefix: 24 });
  t.is(ns.addrType(parseIp4('192.168.255.255')), 'BROADCAST');
  t.is(ns.addrType(parseIp4('10.244.1.255')), 'BROADCAST');
  t.is(ns.addrType(parseIp4('10.244.1.255'), 'cni0'), 'BROADCAST');
  t.is(ns.addrType(parseIp4('10.244.1.255'), 'eth0'), 'UNICAST', 'another device: UNICAST');
  // All host bits of the /24 set, but no subnet's broadcast address; and an address lacking them.
  t.is(ns.addrType(parseIp4('10.244.2.255')), 'UNICAST');
  t.is(ns.addrType(parseIp4('10.244.1.254')), 'UNICAST');
  t.is(ns.addrType(parseIp4('10.244.1.1')), 'LOCAL');
  // A smaller subnet (fewer host bits) added later is answered too, and a removed one no longer.
  ns.addAddr('eth0', { ip: parseIp4('172.16.0.1'), prefix: 30 });
  t.is(ns.addrType(parseIp4('172.16.0.3')), 'BROADCAST');
  t.is(ns.addrType(parseIp4('10.244.1.255')), 'BROADCAST');
  ns.delAddr('eth0', { ip: parseIp4('172.16.0.1'), prefix: 30 });
  t.is(ns.addrType(parseIp4('172.16.0.3')), 'UNICAST');
  // /31 and /32 subnets have no broadcast address.
  ns.addAddr('eth0', { ip: parseIp4('172.17.0.0'), prefix: 31 });
  t.is(ns.addrType(parseIp4('172.17.0.1')), 'UNICAST');
});
