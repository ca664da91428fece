import test from 'ava';
import { CniPluginError, confListFromJson, convertResult, type Result100 } from '../../src/cni/index.js';
import { world } from './helpers.js';

const ALL = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
const rt = (cid: string, pod = 'pod/default/web') => ({ containerId: cid, netns: `/run/netns/${pod}`, ifName: 'eth0' });
const ipam = { type: 'host-local', ranges: [[{ subnet: '10.88.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] };
const list = (v: string, plugins: Record<string, unknown>[]) => confListFromJson({ cniVersion: v, name: 'kw', plugins });

for (const v of ALL) {
  test(`loopback at ${v}: lo up, 127.0.0.1/8 and ::1/128 in the version's own shape; DEL sets lo down`, async (t) => {
    const w = world();
    const l = list(v, [{ type: 'loopback' }]);
    const res = await w.runtime.addNetworkList(l, rt('c1'));
    t.is(res.cniVersion, v);
    if (v === '0.1.0' || v === '0.2.0') t.deepEqual(res, { cniVersion: v, ip4: { ip: '127.0.0.1/8' }, ip6: { ip: '::1/128' } });
    else t.deepEqual((convertResult(res, '1.0.0') as Result100).ips, [{ interface: 0, address: '127.0.0.1/8' }, { interface: 0, address: '::1/128' }]);
    t.true(w.network.get('pod/default/web').link('lo')?.up);
    await w.runtime.delNetworkList(l, rt('c1'));
    t.false(w.network.get('pod/default/web').link('lo')?.up);
  });
}

for (const v of ['0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const) {
  test(`ptp at ${v}: gateway /32 link route and subnet via gateway in the pod, gw/32 and a host route on the host veth`, async (t) => {
    const w = world();
    const l = list(v, [{ type: 'ptp', mtu: 1400, ipam }]);
    const res = convertResult(await w.runtime.addNetworkList(l, rt('c1')), '1.0.0') as Result100;
    t.deepEqual(res.ips?.map((i) => ({ ...i })), [{ interface: 1, address: '10.88.0.2/24', gateway: '10.88.0.1' }]);
    const host = res.interfaces?.[0]?.name ?? '';
    t.regex(host, /^veth[0-9a-f]{8}$/);
    const pod = (await w.kernel.route.list('/run/netns/pod/default/web')).map((r) => `${r.dst} ${r.gw ?? '-'} ${r.scope ?? ''}`).sort();
    t.deepEqual(pod, ['0.0.0.0/0 10.88.0.1 global', '10.88.0.0/24 10.88.0.1 global', '10.88.0.1/32 - link']);
    t.deepEqual((await w.kernel.addr.list('', host)).map((a) => a.cidr), ['10.88.0.1/32']);
    t.true((await w.kernel.route.list('')).some((r) => r.dst === '10.88.0.2/32' && r.dev === host && r.scope === 'host'));
    t.is((await w.kernel.link.get('', host))?.mtu, 1400);
    if (v !== '0.3.1') await w.runtime.checkNetworkList(l, rt('c1'));
    await w.runtime.delNetworkList(l, rt('c1'));
    await w.runtime.delNetworkList(l, rt('c1'));
    t.deepEqual([...w.network.get('node/a').links.keys()], ['lo']);
    t.deepEqual([...w.mem.files.keys()].filter((f) => !f.includes('last_reserved')), []);
  });
}

test('ptp: an interface name already in the pod fails the ADD and releases the lease', async (t) => {
  const w = world();
  await w.kernel.link.addDummy('/run/netns/pod/default/web', 'eth0');
  const e = await t.throwsAsync(w.runtime.addNetworkList(list('1.0.0', [{ type: 'ptp', ipam }]), rt('c1')), { instanceOf: CniPluginError });
  t.is(e?.msg, 'container veth name provided (eth0) already exists');
  t.deepEqual([...w.mem.files.keys()].filter((f) => !f.includes('last_reserved')), []);
  t.deepEqual([...w.network.get('node/a').links.keys()], ['lo']);
});

test('host-local alone: errors as upstream words them, with nothing reserved', async (t) => {
  const w = world();
  const bad = async (ip: Record<string, unknown>) => (await t.throwsAsync(w.runtime.addNetworkList(list('1.0.0', [{ type: 'host-local', ipam: ip }]), rt('c1')), { instanceOf: CniPluginError }))?.msg;
  t.is(await bad({ type: 'host-local', subnet: '10.0.0.0/33' }), 'invalid CIDR address: 10.0.0.0/33');
  t.is(await bad({ type: 'host-local', subnet: '10.99.0.1/24' }), 'invalid range set 0: Network has host bits set. For a subnet mask of length 24 the network address is 10.99.0.0');
  t.is(await bad({ type: 'host-local', subnet: '10.98.0.0/31' }), 'invalid range set 0: Network 10.98.0.0/31 too small to allocate from');
  t.is(await bad({ type: 'host-local' }), 'no IP ranges specified');
  t.is(await bad({ type: 'host-local', ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '10.1.0.0/25' }]] }), 'range set 0 overlaps with 1');
  t.is(await bad({ type: 'host-local', ranges: 'x' }), 'failed to load netconf: $.ipam.ranges: expected an array of range sets');
  t.deepEqual([...w.mem.files.keys()], []);
});

test('host-local: runtimeConfig.ipRanges (the ipRanges capability) comes before configured ranges', async (t) => {
  const w = world();
  const l = confListFromJson({ cniVersion: '1.0.0', name: 'kw', plugins: [{ type: 'host-local', capabilities: { ipRanges: true }, ipam: { type: 'host-local' } }] });
  const res = await w.runtime.addNetworkList(l, { ...rt('c1'), capabilityArgs: { ipRanges: [[{ subnet: '10.244.7.0/24' }]] } });
  t.deepEqual((res as Result100).ips, [{ address: '10.244.7.2/24', gateway: '10.244.7.1' }]);
});

test('portmap chained after bridge: upstream chains and rules; DEL keeps the shared chains, drops the container chain', async (t) => {
  const w = world();
  const l = list('1.0.0', [
    { type: 'bridge', bridge: 'cni0', isGateway: true, ipam },
    { type: 'portmap', capabilities: { portMappings: true } },
  ]);
  await w.runtime.addNetworkList(l, { ...rt('c1'), capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] } });
  const save = w.nf.get('node/a')?.iptablesSave() ?? '';
  const dn = (await import('node:crypto')).createHash('sha512').update('kwc1').digest('hex').slice(0, 21);
  for (const line of [
    '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
    '-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
    '-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
    '-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE',
    '-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000',
    `-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"kw\\" id: \\"c1\\"" -m multiport --dports 8080 -j CNI-DN-${dn}`,
    `-A CNI-DN-${dn} -s 10.88.0.0/24 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK`,
    `-A CNI-DN-${dn} -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK`,
    `-A CNI-DN-${dn} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.2:80`,
  ]) t.true(save.includes(line), `${line}\n---\n${save}`);
  t.is(await w.kernel.sysctl.get('', 'net.ipv4.conf.cni0.route_localnet'), '1');
  await w.runtime.checkNetworkList(l, rt('c1'));
  await w.runtime.delNetworkList(l, rt('c1'));
  const after = w.nf.get('node/a')?.iptablesSave() ?? '';
  t.false(after.includes(`CNI-DN-${dn}`));
  t.true(after.includes(':CNI-HOSTPORT-DNAT'));
});

test('portmap alone (no prevResult) fails as upstream: must be called as chained plugin', async (t) => {
  const w = world();
  const e = await t.throwsAsync(w.runtime.addNetworkList(list('1.0.0', [{ type: 'portmap' }]), rt('c1')), { instanceOf: CniPluginError });
  t.is(e?.msg, 'must be called as chained plugin');
});

test('vxlan overlay: bridge plus a VTEP port flooding to the remotes; DEL leaves the shared VTEP', async (t) => {
  const w = world();
  const l = list('1.0.0', [{ type: 'vxlan', bridge: 'cni0', isGateway: true, ipam, vxlan: { name: 'vxlan.1', vni: 42, remotes: ['192.168.1.12'] } }]);
  await w.runtime.addNetworkList(l, rt('c1'));
  const vx = await w.kernel.link.get('', 'vxlan.1');
  t.like(vx, { kind: 'vxlan', master: 'cni0', up: true, mtu: 1450, vxlan: { vni: 42, port: 8472 } });
  t.true((await w.kernel.fdb.list('')).some((f) => f.dev === 'vxlan.1' && f.mac === '00:00:00:00:00:00' && f.dst === '192.168.1.12'));
  await w.runtime.checkNetworkList(l, rt('c1'));
  await w.runtime.delNetworkList(l, rt('c1'));
  t.deepEqual([...w.network.get('node/a').links.keys()].sort(), ['cni0', 'lo', 'vxlan.1']);
});

// Linux gives a bridge the lowest MAC of its ports unless its address was set. The result must name the bridge's
// MAC as the kernel has it after ADD (the real validator's add.result-matches-netns caught a stale one).
test('vxlan without isGateway: the VTEP joining the bridge after the veth lowers its MAC, and the result says so', async (t) => {
  const w = world(['pod/a', 'pod/b']);
  const l = list('1.0.0', [{ type: 'vxlan', bridge: 'cni0', ipam, vxlan: { name: 'vx0', vni: 42 } }]);
  const res = (await w.runtime.addNetworkList(l, rt('c1', 'pod/a'))) as Result100;
  const vtep = (await w.kernel.link.get('', 'vx0'))?.mac ?? '';
  const veth = (await w.kernel.link.get('', res.interfaces?.[1]?.name ?? ''))?.mac ?? '';
  t.true(vtep < veth, 'the VTEP has the lower MAC (else this test proves nothing)');
  t.is((await w.kernel.link.get('', 'cni0'))?.mac, vtep);
  t.deepEqual(res.interfaces?.[0], { name: 'cni0', mac: vtep });
  await w.runtime.checkNetworkList(l, rt('c1', 'pod/a'));
});

test('a gateway bridge keeps the MAC it was created with: upstream sets it to itself with the address', async (t) => {
  for (const type of ['bridge', 'vxlan']) {
    const w = world(['pod/a', 'pod/b']);
    const l = list('1.0.0', [{ type, bridge: 'cni0', isGateway: true, ipam, vxlan: { name: 'vx0', vni: 42 } }]);
    const first = (await w.runtime.addNetworkList(l, rt('c1', 'pod/a'))) as Result100;
    const second = (await w.runtime.addNetworkList(l, rt('c2', 'pod/b'))) as Result100;
    const links = await w.kernel.link.list('');
    const br = links.find((x) => x.name === 'cni0')?.mac;
    t.is(first.interfaces?.[0]?.mac, br, type);
    t.is(second.interfaces?.[0]?.mac, br, type);
    t.false(links.some((x) => x.master === 'cni0' && x.mac === br), `${type}: not a port's MAC`);
  }
});

test('chained use: bridge given a prevResult outputs it with its own interfaces after it', async (t) => {
  const w = world();
  const l = list('1.0.0', [{ type: 'loopback' }, { type: 'bridge', bridge: 'cni0', isGateway: true, ipam }]);
  const res = (await w.runtime.addNetworkList(l, rt('c1'))) as Result100;
  t.deepEqual(res.interfaces?.map((i) => i.name).slice(0, 2), ['lo', 'cni0']);
  t.deepEqual(res.ips?.map((i) => [i.interface, i.address]), [[0, '127.0.0.1/8'], [0, '::1/128'], [3, '10.88.0.2/24']]);
});
