import test from 'ava';
import { Cidr4 } from '../../src/addr/index.js';
import { allocatePodCidrs, parseTopology } from '../../src/topology/index.js';
import { memFs, topologyText } from './helpers/fixtures.js';

const c = (s: string): Cidr4 => Cidr4.parse(s);

test('missing podCIDRs are carved lowest index first, skipping the ones given, in node order', (t) => {
  const r = allocatePodCidrs(c('10.244.0.0/16'), 24, [undefined, c('10.244.1.0/24'), undefined, c('10.244.0.0/24'), undefined]);
  if (!r.ok) return t.fail('allocation failed');
  t.deepEqual(
    r.cidrs.map((x) => `${x.cidr.toString()}${x.allocated ? ' (allocated)' : ''}`),
    ['10.244.2.0/24 (allocated)', '10.244.1.0/24', '10.244.3.0/24 (allocated)', '10.244.0.0/24', '10.244.4.0/24 (allocated)'],
  );
  return undefined;
});

test('a given podCIDR larger than the node mask blocks every subnet it covers', (t) => {
  const r = allocatePodCidrs(c('10.0.0.0/16'), 24, [c('10.0.0.0/22'), undefined, c('10.0.5.128/25'), undefined, undefined]);
  if (!r.ok) return t.fail('allocation failed');
  t.deepEqual(r.cidrs.map((x) => x.cidr.toString()), ['10.0.0.0/22', '10.0.4.0/24', '10.0.5.128/25', '10.0.6.0/24', '10.0.7.0/24']);
  return undefined;
});

test('allocation reports the first node left without a podCIDR and how many were free', (t) => {
  const r = allocatePodCidrs(c('10.0.0.0/22'), 24, [undefined, c('10.0.2.0/25'), c('10.0.2.128/25'), undefined, undefined, undefined]);
  t.deepEqual(r, { ok: false, node: 5, free: 3 });
});

test('loading fills the gaps deterministically and marks which podCIDRs were allocated', async (t) => {
  const text = topologyText((d) => {
    d['manifests'] = [];
    d.nodes.push({ name: 'node-d', ip: '192.168.50.14' });
    delete (d.nodes[0] ?? {})['podCIDR'];
  });
  const load = () => parseTopology(text, 'x.yaml', memFs({}));
  const a = await load();
  t.deepEqual(a.nodes.map((n) => [n.name, n.podCIDR.toString(), n.podCIDRAllocated]), [
    ['node-a', '10.244.0.0/24', true],
    ['node-b', '10.244.2.0/24', false],
    ['node-c', '10.244.3.0/24', false],
    ['node-d', '10.244.1.0/24', true],
  ]);
  const b = await load();
  t.deepEqual(b.nodes, a.nodes);
});

test('nodeCIDRMaskSize defaults to 24 and other cluster fields to host-gw, iptables, bgp', async (t) => {
  const text = topologyText((d) => {
    d['manifests'] = [];
    delete d.cluster['nodeCIDRMaskSize'];
    delete d.cluster['network'];
    delete d.cluster['proxyMode'];
    d.cluster['loadBalancer'] = { pool: '192.168.50.240/28' };
    for (const n of d.nodes) delete n['podCIDR'];
  });
  const topo = await parseTopology(text, 'x.yaml', memFs({}));
  t.is(topo.cluster.nodeCIDRMaskSize, 24);
  t.is(topo.cluster.network, 'host-gw');
  t.is(topo.cluster.proxyMode, 'iptables');
  t.is(topo.cluster.loadBalancer?.mode, 'bgp');
  t.deepEqual(topo.nodes.map((n) => n.podCIDR.toString()), ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
});
