import test from 'ava';
import { capturePoints, parseOn, realizedState } from '../../src/cli/capture-command.js';
import { type RealizedState, StateStore, prefixFor } from '../../src/realize/index.js';
import { tempDir } from '../helpers/temp-dir.js';

function state(status: RealizedState['status'] = 'up', topology = '/topo/three-node.yaml'): RealizedState {
  const prefix = prefixFor(topology);
  return {
    version: 1, prefix, topology, status, cniPath: [], workDir: '/tmp/x', switchNs: `${prefix}-sw`,
    namespaces: [`${prefix}-sw`, `${prefix}-n0`, `${prefix}-x0`, `${prefix}-p0`],
    nodes: { 'node-a': { netns: `${prefix}-n0`, switchPort: `${prefix}-s0` } },
    externals: { client: { netns: `${prefix}-x0`, switchPort: `${prefix}-s100` } },
    pods: { 'demo/web-1': { key: 'demo/web-1', netns: `${prefix}-p0`, node: 'node-a', ip: '10.244.1.2' } },
    responders: [],
  };
}

test('--on splits target and interface at the first colon and refuses a missing part', (t) => {
  t.deepEqual(parseOn('pod/demo/web-1:eth0'), { target: 'pod/demo/web-1', iface: 'eth0' });
  t.deepEqual(parseOn('node-a:eth0:1'), { target: 'node-a', iface: 'eth0:1' });
  t.throws(() => parseOn('node-a'), { code: 'KW_CLI_USAGE', message: /--on "node-a" must be <node/ });
  t.throws(() => parseOn(':eth0'), { code: 'KW_CLI_USAGE' });
});

test('targets map to the namespaces the realize state recorded; one point writes --out itself', (t) => {
  const s = state();
  const p = s.prefix;
  t.deepEqual(capturePoints(s, [parseOn('pod/demo/web-1:eth0')], '/tmp/a.pcap'), [{ target: 'pod/demo/web-1', iface: 'eth0', netns: `${p}-p0`, file: '/tmp/a.pcap' }]);
  const many = capturePoints(s, ['node-a:cni0', 'external/client:eth0', 'switch:br0'].map(parseOn), '/tmp/out/a.pcap');
  t.deepEqual(many.map((x) => [x.netns, x.file]), [
    [`${p}-n0`, '/tmp/out/a-node-a-cni0.pcap'],
    [`${p}-x0`, '/tmp/out/a-external-client-eth0.pcap'],
    [`${p}-sw`, '/tmp/out/a-switch-br0.pcap'],
  ]);
  // verify --capture names every file after its point, even a single one.
  t.deepEqual(capturePoints(s, [parseOn('node-a:eth0')], '/d/capture.pcap', true).map((x) => x.file), ['/d/capture-node-a-eth0.pcap']);
});

test('an unknown target names the known ones; the same point twice is refused', (t) => {
  const s = state();
  t.throws(() => capturePoints(s, [parseOn('pod/demo/nope:eth0')], 'a.pcap'), { code: 'KW_CLI_USAGE', message: /pod\/demo\/nope is not in realized cluster kw-[0-9a-f]{4} \(known: switch, node-a, pod\/demo\/web-1, external\/client\)/ });
  t.throws(() => capturePoints(s, [parseOn('node-a:eth0'), parseOn('node-a:eth0')], 'a.pcap'), { message: /node-a:eth0 is given twice/ });
});

test('a topology without an up state is refused with the command that fixes it', (t) => {
  const store = new StateStore(tempDir(t, 'kw-state-'));
  const topo = '/topo/three-node.yaml';
  t.throws(() => realizedState(topo, undefined, store), { code: 'KW_CAPTURE_NOT_REALIZED', message: /topology \/topo\/three-node\.yaml is not realized .*run kubewire realize \/topo\/three-node\.yaml first/ });
  store.save(state('creating', topo));
  t.throws(() => realizedState(topo, undefined, store), { code: 'KW_CAPTURE_NOT_REALIZED', message: /only half realized/ });
  store.save(state('up', topo));
  t.is(realizedState(topo, undefined, store).status, 'up');
});
