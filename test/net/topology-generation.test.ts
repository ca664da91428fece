import test from 'ava';
import { macFromName, parseIp4 } from '../../src/addr/index.js';
import { Network, topologyGeneration } from '../../src/net/index.js';

function twoEnds(): { net: Network; a: ReturnType<Network['addNetns']>; b: ReturnType<Network['addNetns']> } {
  const net = new Network();
  const a = net.addNetns('a', { kind: 'external', name: 'a' });
  const b = net.addNetns('b', { kind: 'external', name: 'b' });
  net.addVethPair({ netns: a, name: 'va' }, { netns: b, name: 'vb' }, 'ab');
  return { net, a, b };
}

test("a veth's peer reference follows the peer's link and namespace as they are replaced or removed", (t) => {
  const { net, a, b } = twoEnds();
  const va = a.link('va');
  if (va?.kind !== 'veth') return t.fail('no veth');
  t.true(va.peer.resolvedIn(net.netns));
  t.is(va.peer.link, b.link('vb'));
  t.is(va.peer.ns, b);
  // A MAC change as the kernel driver makes it: the link object is replaced in the Map directly.
  const old = b.links.get('vb');
  if (old === undefined) return t.fail('no vb');
  const replaced = { ...old, mac: '02:00:00:00:00:01' as typeof old.mac };
  b.links.set('vb', replaced);
  t.true(va.peer.resolvedIn(net.netns));
  t.is(va.peer.link, replaced, 'the replaced object, not the one resolved before');
  b.links.delete('vb');
  t.false(va.peer.resolvedIn(net.netns), 'a removed peer link resolves to nothing');
  net.netns.delete('b');
  t.false(va.peer.resolvedIn(net.netns));
  t.is(va.peer.ns, undefined, 'nor does a removed namespace');
});

test("a namespace's link and local-address answers follow links and addresses as they come and go", (t) => {
  const { a } = twoEnds();
  t.is(a.link('va')?.name, 'va');
  t.is(a.link('lo')?.name, 'lo');
  t.is(a.link('va')?.name, 'va', 'asked again after another name');
  const g = topologyGeneration();
  a.removeLink('va');
  t.true(topologyGeneration() > g);
  t.is(a.link('va'), undefined, 'a removed link is not answered from the last lookup');
  t.is(a.link('lo')?.name, 'lo');
  a.addLink({ kind: 'dummy', name: 'd0', ifindex: a.allocIfindex(), mac: macFromName('a/d0'), mtu: 1500, up: true, addrs: [], master: undefined, hairpin: false });
  // Up to three addresses are answered inline, more from the Map: cross that line both ways.
  const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((s) => parseIp4(s));
  for (const ip of ips) a.addAddr('d0', { ip, prefix: 24 });
  for (const ip of ips) t.is(a.localDev(ip), 'd0');
  t.is(a.localDev(parseIp4('127.0.0.1')), 'lo');
  t.false(a.isLocal(parseIp4('10.0.0.5')));
  a.delAddr('d0', { ip: parseIp4('10.0.0.2'), prefix: 24 });
  a.delAddr('d0', { ip: parseIp4('10.0.0.3'), prefix: 24 });
  t.false(a.isLocal(parseIp4('10.0.0.2')));
  t.false(a.isLocal(parseIp4('10.0.0.3')));
  t.true(a.isLocal(parseIp4('10.0.0.4')));
  t.true(a.isLocal(parseIp4('10.0.0.1')));
  // Back inline, then past the line again: the addresses kept inline come along into the Map.
  for (const s of ['10.0.0.5', '10.0.0.6']) a.addAddr('d0', { ip: parseIp4(s), prefix: 24 });
  for (const s of ['10.0.0.1', '10.0.0.4', '10.0.0.5', '10.0.0.6']) t.is(a.localDev(parseIp4(s)), 'd0', s);
  t.false(a.isLocal(parseIp4('10.0.0.2')));
  a.removeLink('d0');
  t.false(a.isLocal(parseIp4('10.0.0.1')), 'addresses go with their link');
  t.true(a.isLocal(parseIp4('127.0.0.9')), '127/8 is local via lo');
});
