import test from 'ava';
import { Network } from '../../src/net/index.js';

function bridged(): { net: Network; node: ReturnType<Network['addNetns']> } {
  const net = new Network();
  const node = net.addNetns('node', { kind: 'external', name: 'node' });
  const pod = net.addNetns('pod', { kind: 'external', name: 'pod' });
  net.addBridge(node, 'cni0');
  net.addVethPair({ netns: node, name: 'veth1' }, { netns: pod, name: 'eth0' }, 'p');
  net.enslave(node, 'veth1', 'cni0');
  return { net, node };
}

test("an FDB entry's port link is the namespace's link by that name, followed as it is replaced or removed", (t) => {
  const { node } = bridged();
  const br = node.link('cni0');
  const port = node.link('veth1');
  if (br?.kind !== 'bridge' || port === undefined) return t.fail('no bridge');
  const e = br.fdb.lookup(port.mac);
  if (e === undefined) return t.fail('no permanent entry');
  t.is(e.port, 'veth1');
  t.is(e.linkIn(node), port);
  const replaced = { ...port, mtu: 9000 };
  node.links.set('veth1', replaced);
  t.is(e.linkIn(node), replaced);
  node.links.delete('veth1');
  t.is(e.linkIn(node), undefined);
});

test("a veth peer reference's master link follows the master's name without a topology change", (t) => {
  const { net, node } = bridged();
  net.addBridge(node, 'br1');
  const pod = net.netns.get('pod');
  const eth0 = pod?.link('eth0');
  if (eth0?.kind !== 'veth' || !eth0.peer.resolvedIn(net.netns)) return t.fail('no peer');
  const peer = eth0.peer;
  const master = peer.link.master;
  if (master === undefined) return t.fail('not enslaved');
  t.is(peer.masterLink(peer.ns, master), node.link('cni0'));
  // `ip link set veth1 master br1` changes the name on the link only.
  peer.link.master = 'br1';
  t.is(peer.masterLink(peer.ns, peer.link.master), node.link('br1'));
});
