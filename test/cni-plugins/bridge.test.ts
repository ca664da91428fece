import test from 'ava';
import { Cidr4, ip4ToString, parseIp4 } from '../../src/addr/index.js';
import { CniPluginError, convertResult, type Result100 } from '../../src/cni/index.js';
import { HostLocalRange, wirePod } from '../../src/cluster/pod-network.js';
import { Network } from '../../src/net/index.js';
import type { NodeSpec } from '../../src/topology/index.js';
import { bridgeList, world } from './helpers.js';

const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
const rt = (cid: string, pod = 'pod/default/web') => ({ containerId: cid, netns: `/run/netns/${pod}`, ifName: 'eth0' });

for (const v of VERSIONS) {
  test(`bridge+host-local ADD at ${v}: upstream's interfaces, ips and routes; CHECK passes; DEL twice succeeds`, async (t) => {
    const w = world();
    const list = bridgeList(v);
    const res = convertResult(await w.runtime.addNetworkList(list, rt('c1')), '1.0.0') as Result100;
    t.is(res.interfaces?.length, 3);
    t.deepEqual(res.interfaces?.map((i) => i.name), ['cni0', 'veth' + (res.interfaces?.[1]?.name ?? '').slice(4), 'eth0']);
    t.regex(res.interfaces?.[1]?.name ?? '', /^veth[0-9a-f]{8}$/);
    t.is(res.interfaces?.[2]?.sandbox, '/run/netns/pod/default/web');
    t.deepEqual(res.ips, [{ interface: 2, address: '10.244.1.2/24', gateway: '10.244.1.1' }]);
    t.deepEqual(res.routes, [{ dst: '0.0.0.0/0' }]);
    if (v !== '0.3.0' && v !== '0.3.1') await w.runtime.checkNetworkList(list, rt('c1'));
    await w.runtime.delNetworkList(list, rt('c1'));
    await w.runtime.delNetworkList(list, rt('c1'));
    t.deepEqual([...w.network.get('pod/default/web').links.keys()], ['lo']);
    t.deepEqual([...w.network.get('node/a').links.keys()], ['lo', 'cni0'], 'the bridge stays, as upstream');
    t.deepEqual([...w.mem.files.keys()], ['/var/lib/cni/networks/kubewire/last_reserved_ip.0']);
  });
}

test('0.2.0 result is the ip4 form', async (t) => {
  const w = world();
  const res = await w.runtime.addNetworkList(bridgeList('0.2.0'), rt('c1'));
  t.deepEqual(res, { cniVersion: '0.2.0', ip4: { ip: '10.244.1.2/24', gateway: '10.244.1.1', routes: [{ dst: '0.0.0.0/0' }] } });
});

test('host-local keeps upstream files: <dataDir>/<net>/<ip> = "cid\\r\\nifname", last_reserved_ip.0; round-robin after release', async (t) => {
  const w = world(['pod/a', 'pod/b']);
  const list = bridgeList('1.0.0');
  await w.runtime.addNetworkList(list, rt('ca', 'pod/a'));
  await w.runtime.addNetworkList(list, rt('cb', 'pod/b'));
  const files = w.mem.files;
  t.is(files.get('/var/lib/cni/networks/kubewire/10.244.1.2'), 'ca\r\neth0');
  t.is(files.get('/var/lib/cni/networks/kubewire/10.244.1.3'), 'cb\r\neth0');
  t.is(files.get('/var/lib/cni/networks/kubewire/last_reserved_ip.0'), '10.244.1.3');
  await w.runtime.delNetworkList(list, rt('ca', 'pod/a'));
  await w.runtime.addNetworkList(list, rt('ca2', 'pod/a'));
  t.is(files.get('/var/lib/cni/networks/kubewire/10.244.1.4'), 'ca2\r\neth0', 'freed .2 is not reused before the range wraps');
});

test('a failed ADD (exhausted range) leaves no veth and no lease', async (t) => {
  const w = world(['pod/a', 'pod/b']);
  const list = bridgeList('1.0.0', {}, { ranges: [[{ subnet: '10.97.0.0/30' }]] });
  await w.runtime.addNetworkList(list, rt('ca', 'pod/a'));
  const e = await t.throwsAsync(w.runtime.addNetworkList(list, rt('cb', 'pod/b')), { instanceOf: CniPluginError });
  t.is(e?.msg, 'failed to allocate for range 0: no IP addresses available in range set: 10.97.0.1-10.97.0.2');
  t.deepEqual([...w.network.get('pod/b').links.keys()], ['lo']);
  t.is([...w.network.get('node/a').links.keys()].filter((n) => n.startsWith('veth')).length, 1, "only pod a's veth");
  t.deepEqual([...w.mem.files.keys()].filter((f) => /\/\d+\.\d+\.\d+\.\d+$/.test(f)), ['/var/lib/cni/networks/kubewire/10.97.0.2']);
});

test('a failed ADD after IPAM (bridge holds another address) releases the lease and removes the veth', async (t) => {
  const w = world(['pod/a']);
  await w.kernel.link.addBridge('', 'cni0');
  await w.kernel.addr.add('', 'cni0', '10.9.9.1/24');
  const e = await t.throwsAsync(w.runtime.addNetworkList(bridgeList('1.0.0'), rt('ca', 'pod/a')), { instanceOf: CniPluginError });
  t.is(e?.msg, 'failed to set bridge addr: "cni0" already has an IP address different from 10.244.1.1/24');
  t.deepEqual([...w.network.get('pod/a').links.keys()], ['lo']);
  t.deepEqual([...w.network.get('node/a').links.keys()], ['lo', 'cni0']);
  t.deepEqual([...w.mem.files.keys()].filter((f) => /\/\d+\.\d+\.\d+\.\d+$/.test(f)), []);
});

test('ipMasq: the CNI-<sha512> chain as upstream names and fills it; DEL removes it', async (t) => {
  const w = world();
  const list = bridgeList('1.0.0', { ipMasq: true });
  await w.runtime.addNetworkList(list, rt('c1'));
  const save = w.nf.get('node/a')?.iptablesSave() ?? '';
  const chain = 'CNI-' + (await import('node:crypto')).createHash('sha512').update('kubewirec1').digest('hex').slice(0, 24);
  t.true(save.includes(`-A POSTROUTING -s 10.244.1.2/32 -m comment --comment "name: \\"kubewire\\" id: \\"c1\\"" -j ${chain}`), save);
  t.true(save.includes(`-A ${chain} -d 10.244.1.0/24 -m comment --comment "name: \\"kubewire\\" id: \\"c1\\"" -j ACCEPT`), save);
  t.true(save.includes(`-A ${chain} ! -d 224.0.0.0/4 -m comment --comment "name: \\"kubewire\\" id: \\"c1\\"" -j MASQUERADE`), save);
  await w.runtime.delNetworkList(list, rt('c1'));
  t.false((w.nf.get('node/a')?.iptablesSave() ?? '').includes(chain));
});

test('the virtual result equals what the cluster builder wirePod makes today (MACs aside)', async (t) => {
  const w = world();
  await w.runtime.addNetworkList(bridgeList('1.0.0'), rt('c1'));
  const net = new Network();
  const node = net.addNetns('node/a', { kind: 'node', node: 'a' }, { sysctl: { ipForward: true } });
  const pod = net.addNetns('pod/default/web', { kind: 'pod', node: 'a', pod: 'pod/default/web' });
  const subnet = Cidr4.parse('10.244.1.0/24');
  const range = new HostLocalRange('a', subnet);
  const spec = { name: 'a', podCIDR: subnet } as unknown as NodeSpec;
  const hostName = wirePod(net, { spec, netns: node }, pod, 'default/web', range.allocate('default/web'), range.gateway, { bridge: 'cni0', isGateway: true, hairpinMode: false, ipMasq: false, mtu: 1500 });
  const view = (n: Network, veth: string) => {
    const show = (name: string) => {
      const ns = n.get(name);
      return {
        links: [...ns.links.values()].map((l) => ({ name: l.name === veth ? 'VETH' : l.name, kind: l.kind, mtu: l.mtu, up: l.up, master: l.master, hairpin: l.hairpin, addrs: l.addrs.map((a) => `${ip4ToString(a.ip)}/${a.prefix}`) })),
        routes: [...ns.main.routes()].map((r) => ({ dst: r.dst.toString(), gw: r.gateway === undefined ? undefined : ip4ToString(r.gateway), dev: r.dev === veth ? 'VETH' : r.dev, proto: r.proto, scope: r.scope, src: r.src === undefined ? undefined : ip4ToString(r.src) })),
      };
    };
    return { node: show('node/a'), pod: show('pod/default/web') };
  };
  const ours = [...w.network.get('node/a').links.keys()].find((x) => x.startsWith('veth')) ?? '';
  t.deepEqual(view(w.network, ours), view(net, hostName));
  t.is(w.network.get('pod/default/web').primaryAddress('eth0'), parseIp4('10.244.1.2'));
});

test('host-local DEL releases an old-format lease (container id only, no ifname) as upstream ReleaseByID does', async (t) => {
  const w = world();
  const l = bridgeList('1.0.0');
  await w.mem.write('/var/lib/cni/networks/kubewire/10.244.1.9', 'c-old\n');
  await w.runtime.delNetworkList(l, { containerId: 'c-old', netns: '/run/netns/pod/default/web', ifName: 'eth0' });
  t.deepEqual([...w.mem.files.keys()], []);
});
