import test from 'ava';
import { ip4 } from '../../src/addr/index.js';
import { Network } from '../../src/net/index.js';

test('the VXLAN device a UDP port belongs to is found by port, follows links as they come and go, and a replaced device object', (t) => {
  const net = new Network();
  const ns = net.addNetns('node/a', { kind: 'node', node: 'a' });
  t.is(ns.vxlanOnPort(8472), undefined);
  net.addVxlan(ns, { name: 'flannel.1', vni: 1, port: 8472, local: ip4(0xc0a80002), dev: 'eth0', shared: false });
  t.is(ns.vxlanOnPort(8472)?.name, 'flannel.1');
  t.is(ns.vxlanOnPort(4789), undefined);
  net.addVxlan(ns, { name: 'vx-std', vni: 7, port: 4789, local: ip4(0xc0a80002), dev: 'eth0', shared: false });
  t.is(ns.vxlanOnPort(4789)?.vni, 7);
  // A device replaced in place (the virtual kernel does so for a MAC change) is the one returned.
  const old = ns.link('flannel.1');
  if (old?.kind !== 'vxlan') return t.fail();
  ns.links.set('flannel.1', { ...old, mac: '02:00:00:00:00:99' as typeof old.mac });
  t.is(String(ns.vxlanOnPort(8472)?.mac), '02:00:00:00:00:99');
  ns.removeLink('flannel.1');
  t.is(ns.vxlanOnPort(8472), undefined);
  t.is(ns.vxlanOnPort(4789)?.name, 'vx-std');
});
