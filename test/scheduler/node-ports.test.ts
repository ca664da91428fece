import test from 'ava';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { NodeIndex, podInfoFromPod } from '../../src/scheduler/index.js';
import { node, pod } from './helpers.js';

/** A pod publishing the given host ports (protocol TCP unless given, hostIP 0.0.0.0 unless given). */
function withPorts(name: string, ports: { hostPort: number; protocol?: string; hostIP?: string }[], o: { cpu?: string } = {}): Pod {
  const p = pod(name, o);
  const c = p.spec?.containers[0];
  return { ...p, spec: { ...p.spec, containers: [{ ...c, name: 'c', ports: ports.map((x, i) => ({ containerPort: 8000 + i, ...x })) }] } };
}

function decideAndPlace(idx: NodeIndex, p: Pod, last: number): { node: string; ord: number } | string {
  const info = podInfoFromPod(p);
  const d = idx.decide(info, last);
  if (d.kind !== 'bind') return d.message;
  idx.account(d.node, info, 1);
  return { node: d.node, ord: d.ord };
}

test('NodePorts: a host port a node already holds refuses the node; the next pod goes elsewhere, then none is left', (t) => {
  const idx = new NodeIndex();
  for (const n of ['n1', 'n2']) idx.upsert(node(n));
  const a = decideAndPlace(idx, withPorts('a', [{ hostPort: 80 }]), -1);
  const b = decideAndPlace(idx, withPorts('b', [{ hostPort: 80 }]), -1);
  t.like(a, { node: 'n1' });
  t.like(b, { node: 'n2' }, 'round-robin would also pick n2 here; the next case shows the filter, not the spread');
  t.is(decideAndPlace(idx, withPorts('c', [{ hostPort: 80 }]), 1), "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.");
  // A pod without host ports, and one on another port or protocol, still fit.
  t.like(decideAndPlace(idx, pod('plain'), 1), { node: 'n1' });
  t.like(decideAndPlace(idx, withPorts('udp', [{ hostPort: 80, protocol: 'UDP' }]), 0), { node: 'n2' });
  t.like(decideAndPlace(idx, withPorts('other', [{ hostPort: 443 }]), 1), { node: 'n1' });
});

test('NodePorts: 0.0.0.0 clashes with any address on that port, a specific address only with itself and with 0.0.0.0', (t) => {
  const idx = new NodeIndex();
  idx.upsert(node('n1'));
  t.like(decideAndPlace(idx, withPorts('a', [{ hostPort: 53, protocol: 'UDP', hostIP: '10.0.0.1' }]), -1), { node: 'n1' });
  t.like(decideAndPlace(idx, withPorts('b', [{ hostPort: 53, protocol: 'UDP', hostIP: '10.0.0.2' }]), -1), { node: 'n1' }, 'another address is free');
  t.is(typeof decideAndPlace(idx, withPorts('c', [{ hostPort: 53, protocol: 'UDP', hostIP: '10.0.0.1' }]), -1), 'string', 'the same address is taken');
  t.is(typeof decideAndPlace(idx, withPorts('d', [{ hostPort: 53, protocol: 'UDP' }]), -1), 'string', 'every address includes the taken ones');
});

test('NodePorts: taking a pod off its node frees its ports', (t) => {
  const idx = new NodeIndex();
  idx.upsert(node('n1'));
  const a = podInfoFromPod(withPorts('a', [{ hostPort: 80 }]));
  idx.account('n1', a, 1);
  t.is(idx.decide(podInfoFromPod(withPorts('b', [{ hostPort: 80 }])), -1).kind, 'unschedulable');
  idx.account('n1', a, -1);
  t.like(idx.decide(podInfoFromPod(withPorts('b', [{ hostPort: 80 }])), -1), { kind: 'bind', node: 'n1' });
  t.is(idx.get('n1')?.usedPorts, undefined, 'nothing held any more');
});
