import test from 'ava';
import { ip4 } from '../../src/addr/index.js';
import { Network } from '../../src/net/index.js';

test('localDev answers every address of a namespace with thousands of local addresses, as they come and go', (t) => {
  const net = new Network();
  const ns = net.addNetns('n', { kind: 'external', name: 'n' });
  net.addBridge(ns, 'kube-ipvs0');
  const vip = (i: number): ReturnType<typeof ip4> => ip4(0xac1e0001 + i);
  for (let i = 0; i < 2000; i++) ns.addAddr('kube-ipvs0', { ip: vip(i), prefix: 32 });
  let wrong = 0;
  for (let i = 0; i < 2000; i++) if (ns.localDev(vip(i)) !== 'kube-ipvs0') wrong++;
  // Addresses next to and far from the local ones (the filter's false positives must still be answered by the table).
  for (let i = 2000; i < 60000; i++) if (ns.localDev(vip(i)) !== undefined || ns.localDev(ip4(0x0ab40000 + i)) !== undefined) wrong++;
  t.is(wrong, 0);
  t.is(ns.addrType(vip(7)), 'LOCAL');
  ns.delAddr('kube-ipvs0', { ip: vip(7), prefix: 32 });
  t.is(ns.localDev(vip(7)), undefined, 'a removed address is no longer local');
  t.is(ns.addrType(vip(7)), 'UNICAST');
  ns.addAddr('kube-ipvs0', { ip: vip(5000), prefix: 32 });
  t.is(ns.localDev(vip(5000)), 'kube-ipvs0', 'an added address is local at once');
});
