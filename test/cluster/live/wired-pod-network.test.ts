import test from 'ava';
import { WiredPodNetwork } from '../../../src/cluster/live/wired-pod-network.js';
import { wireHosts } from '../../../src/cluster/node-network.js';
import { bridgeSettingsFrom } from '../../../src/cluster/pod-network.js';
import { InputError } from '../../../src/lib/index.js';
import { Network } from '../../../src/net/index.js';
import { parseTopology } from '../../../src/topology/index.js';
import { twoNodeYaml } from '../../helpers/cluster.js';

test('the kubelet network runs CNI ADD/DEL; an exhausted podCIDR is KW_CNI_IPAM_EXHAUSTED and leaves no namespace, veth or lease', async (t) => {
  const yaml = twoNodeYaml().replace('podCIDR: 10.244.1.0/24', 'podCIDR: 10.244.1.0/30').replace('manifests: [./pods.yaml]\n', '');
  const spec = await parseTopology(yaml, '/virtual/topology.yaml', async () => '');
  const net = new Network();
  const { nodes } = wireHosts(net, spec);
  const n1 = nodes.get('n1')!;
  const pn = new WiredPodNetwork(net, n1, bridgeSettingsFrom(spec.cluster.cni.conflist));
  const req = (name: string) => ({ namespace: 'default', name, uid: name, node: 'n1' });
  t.deepEqual(await pn.setUp(req('a')), { ip: '10.244.1.2', netns: 'pod/default/a' });
  const before = [...n1.netns.links.keys()].sort();
  const err = await t.throwsAsync(Promise.resolve(pn.setUp(req('b'))), { instanceOf: InputError });
  t.is((err as InputError).code, 'KW_CNI_IPAM_EXHAUSTED');
  t.regex(err?.message ?? '', /pod default\/b cannot get an address on node n1: every address of its podCIDR 10\.244\.1\.0\/30 is taken/);
  t.false(net.netns.has('pod/default/b'));
  t.deepEqual([...n1.netns.links.keys()].sort(), before);
  await pn.tearDown(req('a'));
  t.false(net.netns.has('pod/default/a'));
  t.deepEqual(await pn.setUp(req('b')), { ip: '10.244.1.2', netns: 'pod/default/b' }, 'the released address is handed out again');
});
