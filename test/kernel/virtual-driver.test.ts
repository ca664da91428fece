import test from 'ava';
import { KernelError, VirtualKernel } from '../../src/kernel/index.js';
import { Network } from '../../src/net/index.js';

function setup() {
  const net = new Network();
  net.addNetns('node', { kind: 'node', node: 'n' });
  net.addNetns('pod/x', { kind: 'pod', node: 'n', pod: 'x' });
  return { net, k: new VirtualKernel(net, { host: 'node' }) };
}

test('veth across namespaces, bridge port, addresses with their connected route, like ip would leave them', async (t) => {
  const { net, k } = setup();
  await k.link.addBridge('', 'cni0');
  await k.link.addVeth({ netns: '/run/netns/pod/x', name: 'eth0' }, { netns: '', name: 'veth1' }, { mtu: 1400 });
  t.false((await k.link.get('', 'veth1'))?.up, 'new links are down');
  await k.link.setMaster('', 'veth1', 'cni0');
  await k.link.setHairpin('', 'veth1', true);
  await k.addr.add('pod/x', 'eth0', '10.0.0.2/24');
  await k.route.add('pod/x', { dst: '0.0.0.0/0', gw: '10.0.0.1' });
  t.like(await k.link.get('', 'veth1'), { kind: 'veth', master: 'cni0', hairpin: true, mtu: 1400, peer: { netns: 'pod/x', name: 'eth0' } });
  t.deepEqual((await k.route.list('pod/x')).map((r) => [r.dst, r.gw, r.dev, r.proto]), [['0.0.0.0/0', '10.0.0.1', 'eth0', 'boot'], ['10.0.0.0/24', undefined, 'eth0', 'kernel']]);
  const br = net.get('node').link('cni0');
  t.true(br?.kind === 'bridge' && br.ports.has('veth1'));
  // Deleting the container end takes the host end, its bridge port and the pod's routes with it.
  await k.link.del('pod/x', 'eth0');
  t.is(await k.link.get('', 'veth1'), undefined);
  t.true(br?.kind === 'bridge' && !br.ports.has('veth1'));
  t.deepEqual(await k.route.list('pod/x'), []);
});

test('errors carry the kernel\'s words and a kind', async (t) => {
  const { k } = setup();
  await k.link.addDummy('', 'd0');
  t.is((await t.throwsAsync(k.link.addDummy('', 'd0'), { instanceOf: KernelError }))?.kind, 'exists');
  t.is((await t.throwsAsync(k.link.del('', 'nope'), { instanceOf: KernelError }))?.message, 'Cannot find device "nope"');
  t.is((await t.throwsAsync(k.route.add('', { dst: '0.0.0.0/0', gw: '192.0.2.1' }), { instanceOf: KernelError }))?.message, 'Error: Nexthop has invalid gateway.');
  t.is((await t.throwsAsync(k.link.get('/run/netns/ghost', 'lo'), { instanceOf: KernelError }))?.kind, 'no-netns');
  t.is((await t.throwsAsync(k.iptables.save(''), { instanceOf: KernelError }))?.kind, 'unsupported');
  t.false(await k.netns.exists('/run/netns/ghost'));
});

test('sysctls: modelled keys drive src/net, others are kept as text', async (t) => {
  const { net, k } = setup();
  await k.sysctl.set('', 'net.ipv4.ip_forward', '1');
  t.true(net.get('node').sysctl.ipForward);
  await k.sysctl.set('', 'net/ipv4/conf/cni0/route_localnet', '1');
  t.is(await k.sysctl.get('', 'net.ipv4.conf.cni0.route_localnet'), '1');
  t.is(await k.sysctl.get('', 'net.ipv4.conf.eth9.arp_notify'), undefined);
});

test('an interface\'s own sysctls go with it (both ends of a veth); all/default and other interfaces\' stay', async (t) => {
  const { k } = setup();
  await k.link.addVeth({ netns: '/run/netns/pod/x', name: 'eth0' }, { netns: '', name: 'veth1' });
  await k.sysctl.set('pod/x', 'net.ipv4.conf.eth0.arp_notify', '1');
  await k.sysctl.set('pod/x', 'net.ipv6.conf.eth0.accept_dad', '0');
  await k.sysctl.set('', 'net.ipv4.conf.veth1.proxy_arp', '1');
  await k.sysctl.set('pod/x', 'net.ipv4.conf.all.arp_ignore', '1');
  await k.sysctl.set('pod/x', 'net.ipv4.conf.lo.arp_notify', '1');
  await k.link.del('', 'veth1');
  t.is(await k.sysctl.get('pod/x', 'net.ipv4.conf.eth0.arp_notify'), undefined, 'the peer eth0 went with veth1');
  t.is(await k.sysctl.get('pod/x', 'net.ipv6.conf.eth0.accept_dad'), undefined);
  t.is(await k.sysctl.get('', 'net.ipv4.conf.veth1.proxy_arp'), undefined);
  t.is(await k.sysctl.get('pod/x', 'net.ipv4.conf.all.arp_ignore'), '1');
  t.is(await k.sysctl.get('pod/x', 'net.ipv4.conf.lo.arp_notify'), '1');
  // A new eth0 starts from the defaults, and its settings are its own again.
  await k.link.addVeth({ netns: '/run/netns/pod/x', name: 'eth0' }, { netns: '', name: 'veth2' });
  t.is(await k.sysctl.get('pod/x', 'net.ipv4.conf.eth0.arp_notify'), undefined);
  await k.sysctl.set('pod/x', 'net.ipv4.conf.eth0.arp_notify', '1');
  t.is(await k.sysctl.get('pod/x', 'net.ipv4.conf.eth0.arp_notify'), '1');
  await k.sysctl.set('', 'net.ipv4.conf.veth2.proxy_arp', '1');
  // A deleted namespace takes every key it set; one made again under the name starts from the defaults.
  await k.netns.del('pod/x');
  await k.netns.add('pod/x');
  t.is(await k.sysctl.get('pod/x', 'net.ipv4.conf.eth0.arp_notify'), undefined);
  t.is(await k.sysctl.get('pod/x', 'net.ipv4.conf.all.arp_ignore'), undefined);
  t.is(await k.sysctl.get('', 'net.ipv4.conf.veth2.proxy_arp'), undefined, 'its veth peer went with it');
});

test('a bridge takes the lowest MAC of its ports, as Linux does, until its address is set', async (t) => {
  const { net, k } = setup();
  net.addNetns('pod/y', { kind: 'pod', node: 'n', pod: 'y' });
  const mac = async (name: string) => (await k.link.get('', name))?.mac;
  await k.link.addBridge('', 'br0');
  const own = await mac('br0');
  await k.link.addVeth({ netns: '', name: 'va' }, { netns: '/run/netns/pod/x', name: 'eth0' }, { mac: '02:00:00:00:00:30' });
  await k.link.addVeth({ netns: '', name: 'vb' }, { netns: '/run/netns/pod/y', name: 'eth0' }, { mac: '02:00:00:00:00:10' });
  t.is(await mac('br0'), own, 'no port yet: the MAC it was created with');
  await k.link.setMaster('', 'va', 'br0');
  t.is(await mac('br0'), '02:00:00:00:00:30');
  await k.link.setMaster('', 'vb', 'br0');
  t.is(await mac('br0'), '02:00:00:00:00:10', 'a lower port MAC wins');
  await k.link.del('/run/netns/pod/y', 'eth0');
  t.is(await mac('br0'), '02:00:00:00:00:30', 'the lowest of the ports left');
  await k.link.setMaster('', 'va', null);
  t.is(await mac('br0'), '02:00:00:00:00:30', 'with no port left it keeps what it has');
  // Setting the address, even to the one it has, fixes it: the bridge CNI plugin relies on this.
  await k.link.setMac('', 'br0', '02:00:00:00:00:30');
  await k.link.addVeth({ netns: '', name: 'vc' }, { netns: '/run/netns/pod/y', name: 'eth0' }, { mac: '02:00:00:00:00:01' });
  await k.link.setMaster('', 'vc', 'br0');
  t.is(await mac('br0'), '02:00:00:00:00:30');
  // So does an address given at creation.
  await k.link.addBridge('', 'br1', { mac: '02:00:00:00:00:ff' });
  await k.link.setMaster('', 'va', 'br1');
  t.is(await mac('br1'), '02:00:00:00:00:ff');
  t.is((await t.throwsAsync(k.link.setMac('', 'br1', '03:00:00:00:00:01'), { instanceOf: KernelError }))?.message, 'RTNETLINK answers: Cannot assign requested address');
  t.is((await t.throwsAsync(k.link.setMac('', 'br1', 'zz'), { instanceOf: KernelError }))?.message, '"zz" is invalid lladdr.');
});

test('VirtualKernel.now answers at once with what the async operations resolve to, and throws what they reject with', async (t) => {
  const { k } = setup();
  k.now.link.addBridge('', 'cni0');
  k.now.link.addVeth({ netns: '/run/netns/pod/x', name: 'eth0' }, { netns: '', name: 'veth1' });
  k.now.addr.add('pod/x', 'eth0', '10.0.0.2/24');
  k.now.sysctl.set('pod/x', 'net.ipv4.conf.eth0.arp_notify', '1');
  const link = k.now.link.get('', 'veth1');
  t.false(link instanceof Promise);
  t.deepEqual(link, await k.link.get('', 'veth1'));
  t.deepEqual(k.now.route.list('pod/x'), await k.route.list('pod/x'));
  t.is(k.now.sysctl.get('pod/x', 'net.ipv4.conf.eth0.arp_notify'), '1');
  t.true(k.now.netns.exists('/run/netns/pod/x'));
  const thrown = t.throws(() => k.now.addr.add('pod/x', 'eth0', '10.0.0.2/24'), { instanceOf: KernelError });
  const rejected = await t.throwsAsync(k.addr.add('pod/x', 'eth0', '10.0.0.2/24'), { instanceOf: KernelError });
  t.is(thrown?.message, 'RTNETLINK answers: File exists');
  t.is(rejected?.message, thrown?.message);
  t.is(t.throws(() => k.now.link.get('/run/netns/ghost', 'lo'), { instanceOf: KernelError })?.kind, 'no-netns');
});
