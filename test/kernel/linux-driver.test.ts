import test from 'ava';
import { KernelError, LinuxKernel, RecordingRunner } from '../../src/kernel/index.js';

test('link and address operations become iproute2 argv: -n for named namespaces, nothing for the host', async (t) => {
  const r = new RecordingRunner();
  const k = new LinuxKernel(r);
  await k.link.addBridge('', 'kw-br0', { mtu: 1450 });
  await k.link.addVeth({ netns: '/run/netns/kw-c', name: 'eth0' }, { netns: '', name: 'veth01234567' }, { mtu: 1400 });
  await k.link.setMaster('', 'veth01234567', 'kw-br0');
  await k.link.setHairpin('', 'veth01234567', true);
  await k.link.setMac('', 'kw-br0', '02:00:00:00:00:01');
  await k.link.setUp('kw-c', 'eth0', true);
  await k.addr.add('/run/netns/kw-c', 'eth0', '10.99.0.2/24');
  await k.route.add('/run/netns/kw-c', { dst: '0.0.0.0/0', gw: '10.99.0.1', dev: 'eth0' });
  await k.link.del('/proc/42/ns/net', 'eth0');
  t.deepEqual(r.argvs, [
    ['ip', 'link', 'add', 'kw-br0', 'mtu', '1450', 'type', 'bridge'],
    // Created from the host side so the peer lands in the container even when the "host" is itself a netns.
    ['ip', 'link', 'add', 'veth01234567', 'mtu', '1400', 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', '1400', 'netns', 'kw-c'],
    ['ip', 'link', 'set', 'dev', 'veth01234567', 'master', 'kw-br0'],
    ['ip', 'link', 'set', 'dev', 'veth01234567', 'type', 'bridge_slave', 'hairpin', 'on'],
    ['ip', 'link', 'set', 'dev', 'kw-br0', 'address', '02:00:00:00:00:01'],
    ['ip', '-n', 'kw-c', 'link', 'set', 'dev', 'eth0', 'up'],
    ['ip', '-n', 'kw-c', 'addr', 'add', '10.99.0.2/24', 'dev', 'eth0'],
    ['ip', '-n', 'kw-c', 'route', 'add', '0.0.0.0/0', 'via', '10.99.0.1', 'dev', 'eth0'],
    ['nsenter', '--net=/proc/42/ns/net', 'ip', 'link', 'del', 'dev', 'eth0'],
  ]);
});

test('other tools run under ip netns exec; iptables-restore gets the text on stdin', async (t) => {
  const r = new RecordingRunner();
  const k = new LinuxKernel(r);
  await k.sysctl.set('kw-h', 'net.ipv4.ip_forward', '1');
  await k.iptables.restore('kw-h', '*nat\nCOMMIT\n', { noflush: true });
  await k.fdb.append('', { mac: '00:00:00:00:00:00', dev: 'kw-vx0', dst: '192.0.2.1' });
  t.deepEqual(r.calls, [
    { argv: ['ip', 'netns', 'exec', 'kw-h', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'] },
    { argv: ['ip', 'netns', 'exec', 'kw-h', 'iptables-restore', '-w', '--noflush'], stdin: '*nat\nCOMMIT\n' },
    { argv: ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'kw-vx0', 'dst', '192.0.2.1'] },
  ]);
});

test('failures are typed by the tool\'s words; a missing link reads back as undefined', async (t) => {
  const r = new RecordingRunner((argv) => (argv.includes('show') ? { code: 1, stderr: 'Device "eth9" does not exist.\n' } : { code: 2, stderr: 'RTNETLINK answers: File exists\n' }));
  const k = new LinuxKernel(r);
  t.is(await k.link.get('kw-c', 'eth9'), undefined);
  const e = await t.throwsAsync(k.addr.add('kw-c', 'eth0', '10.0.0.1/24'), { instanceOf: KernelError });
  t.is(e?.kind, 'exists');
  t.is(e?.message, 'ip -n kw-c addr add 10.0.0.1/24 dev eth0: RTNETLINK answers: File exists');
  await t.throwsAsync(k.link.addBridge('', 'a-name-far-too-long'), { message: /longer than 15/ });
});

test('ip -j output is read back into links, addresses and routes', async (t) => {
  const links = '[{"ifindex":4,"link":"kw-b","ifname":"kw-a","flags":["BROADCAST","UP"],"mtu":1500,"master":"kw-br","address":"86:4f:cb:7a:59:53","linkinfo":{"info_kind":"veth","info_slave_kind":"bridge","info_slave_data":{"hairpin":true}}}]';
  const addrs = '[{"ifname":"eth0","addr_info":[{"family":"inet","local":"10.1.0.2","prefixlen":24,"scope":"global"},{"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]}]';
  const routes = '[{"dst":"default","gateway":"10.1.0.1","dev":"eth0","flags":[]},{"dst":"10.1.0.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"10.1.0.2","flags":[]}]';
  const r = new RecordingRunner((argv) => ({ stdout: argv.includes('link') ? links : argv.includes('addr') ? addrs : argv.includes('-4') ? routes : '' }));
  const k = new LinuxKernel(r);
  t.deepEqual(await k.link.list('kw-c'), [{ name: 'kw-a', ifindex: 4, kind: 'veth', mac: '86:4f:cb:7a:59:53', mtu: 1500, up: true, promisc: false, master: 'kw-br', hairpin: true, peer: { name: 'kw-b' } }]);
  t.deepEqual(await k.addr.list('kw-c'), [{ dev: 'eth0', cidr: '10.1.0.2/24', family: 4 }]);
  t.deepEqual(await k.route.list('kw-c'), [
    { dst: '0.0.0.0/0', gw: '10.1.0.1', dev: 'eth0' },
    { dst: '10.1.0.0/24', dev: 'eth0', scope: 'link', src: '10.1.0.2', proto: 'kernel' },
  ]);
});
