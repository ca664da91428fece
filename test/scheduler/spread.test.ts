import test from 'ava';
import fc from 'fast-check';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { NodeIndex, podInfoFromPod, type Decision } from '../../src/scheduler/index.js';
import { node, pod } from './helpers.js';

function place(idx: NodeIndex, pods: Pod[], naive = false): string[] {
  let last = -1;
  const out: string[] = [];
  for (const p of pods) {
    const info = podInfoFromPod(p);
    const d = naive ? idx.decideNaive(info, last) : idx.decide(info, last);
    if (d.kind === 'bind') {
      last = d.ord;
      idx.account(d.node, info, 1);
      out.push(d.node);
    } else out.push(d.message);
  }
  return out;
}

test('identical nodes: equal scores are broken round-robin, so pods spread evenly in node order', (t) => {
  const idx = new NodeIndex();
  for (const n of ['n1', 'n2', 'n3']) idx.upsert(node(n, { cpu: '64', memory: '256Gi' }));
  // 100m of 64 cores barely moves the integer score: the tie-break does the spreading.
  const got = place(idx, Array.from({ length: 7 }, (_, i) => pod(`p${i}`)));
  t.deepEqual(got, ['n1', 'n2', 'n3', 'n1', 'n2', 'n3', 'n1']);
});

test('least allocated wins over round-robin: an emptier node takes the next pod', (t) => {
  const idx = new NodeIndex();
  idx.upsert(node('small', { cpu: '2', memory: '4Gi' }));
  idx.upsert(node('big', { cpu: '8', memory: '16Gi' }));
  // Scores with the pod included: small = (cpu 50 + mem 75) / 2 = 62 throughout.
  // big: 1st (87+93)/2 = 90, 2nd (75+87)/2 = 81, 3rd (62+81)/2 = 71, 4th (50+75)/2 = 62: a tie with small,
  // and round-robin moves past big (chosen last) to small.
  const got = place(idx, Array.from({ length: 4 }, (_, i) => pod(`p${i}`, { cpu: '1', memory: '1Gi' })));
  t.deepEqual(got, ['big', 'big', 'big', 'small']);
  // Now small would score (0+50)/2 = 25 and big still 62.
  t.deepEqual(place(idx, [pod('q', { cpu: '1', memory: '1Gi' })]), ['big']);
});

type NodeShape = { cpu: number; mem: number; pods: number; zone: number; taint: boolean; cordon: boolean; ready: boolean };
type PodShape = { cpu: number; mem: number; zone: number | null; tolerate: boolean; byName: number | null };

const nodeShape = fc.record({
  cpu: fc.constantFrom(1, 2, 4),
  mem: fc.constantFrom(1, 2, 8),
  pods: fc.constantFrom(3, 5, 110),
  zone: fc.integer({ min: 0, max: 2 }),
  taint: fc.boolean(),
  cordon: fc.boolean(),
  ready: fc.boolean(),
});
const podShape = fc.record({
  cpu: fc.constantFrom(0, 100, 250, 500, 1000),
  mem: fc.constantFrom(0, 128, 512),
  zone: fc.option(fc.integer({ min: 0, max: 2 })),
  tolerate: fc.boolean(),
  byName: fc.option(fc.integer({ min: 0, max: 7 }), { freq: 5 }),
});

function toNode(s: NodeShape, i: number): Node {
  return node(`node-${i}`, {
    cpu: String(s.cpu),
    memory: `${s.mem}Gi`,
    pods: String(s.pods),
    labels: { zone: `z${s.zone}` },
    ...(s.taint ? { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } : {}),
    unschedulable: s.cordon,
    ready: s.ready ? 'True' : 'False',
  });
}

function toPod(s: PodShape, i: number): Pod {
  return pod(`p${i}`, {
    ...(s.cpu === 0 ? {} : { cpu: `${s.cpu}m` }),
    ...(s.mem === 0 ? {} : { memory: `${s.mem}Mi` }),
    ...(s.zone === null ? {} : { nodeSelector: { zone: `z${s.zone}` } }),
    ...(s.tolerate ? { tolerations: [{ key: 'dedicated', operator: 'Exists' }] } : {}),
    ...(s.byName === null
      ? {}
      : { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: [`node-${s.byName}`] }] }] } } } }),
  });
}

test('property: the class/bucket index decides exactly as filtering and scoring every node does', (t) => {
  fc.assert(
    fc.property(fc.array(nodeShape, { minLength: 1, maxLength: 8 }), fc.array(podShape, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 6 }), (ns, ps, removals) => {
      const fast = new NodeIndex();
      const naive = new NodeIndex();
      ns.forEach((s, i) => {
        fast.upsert(toNode(s, i));
        naive.upsert(toNode(s, i));
      });
      const pods = ps.map(toPod);
      let lastF = -1;
      let lastN = -1;
      const placed: { node: string; pod: Pod }[] = [];
      for (const [i, p] of pods.entries()) {
        const info = podInfoFromPod(p);
        const a: Decision = fast.decide(info, lastF);
        const b: Decision = naive.decideNaive(info, lastN);
        if (a.kind !== b.kind) return false;
        if (a.kind === 'bind' && b.kind === 'bind') {
          if (a.node !== b.node || a.score !== b.score) return false;
          lastF = a.ord;
          lastN = b.ord;
          fast.account(a.node, info, 1);
          naive.account(b.node, info, 1);
          placed.push({ node: a.node, pod: p });
        } else if (a.kind === 'unschedulable' && b.kind === 'unschedulable' && a.message !== b.message) return false;
        // Now and then a pod leaves, as deletions free room mid-stream.
        const r = removals[i % Math.max(1, removals.length)];
        if (r !== undefined && i % 7 === 6 && placed.length > 0) {
          const [gone] = placed.splice(r % placed.length, 1);
          if (gone !== undefined) {
            fast.account(gone.node, podInfoFromPod(gone.pod), -1);
            naive.account(gone.node, podInfoFromPod(gone.pod), -1);
          }
        }
      }
      return true;
    }),
    { numRuns: 300, seed: 20250101 },
  );
  t.pass();
});

test('the naive and fast paths also agree after node updates (relabel, cordon, readiness)', (t) => {
  const mk = (): NodeIndex => {
    const idx = new NodeIndex();
    for (let i = 0; i < 6; i++) idx.upsert(node(`n${i}`, { labels: { zone: `z${i % 2}` } }));
    return idx;
  };
  const fast = mk();
  const naive = mk();
  const pods = Array.from({ length: 20 }, (_, i) => pod(`p${i}`, { cpu: '300m', memory: '256Mi', ...(i % 3 === 0 ? { nodeSelector: { zone: 'z1' } } : {}) }));
  const a = place(fast, pods.slice(0, 10));
  const b = place(naive, pods.slice(0, 10), true);
  t.deepEqual(a, b);
  for (const idx of [fast, naive]) {
    idx.upsert(node('n1', { labels: { zone: 'z1' }, unschedulable: true }));
    idx.upsert(node('n2', { labels: { zone: 'z0' }, ready: 'False' }));
  }
  t.deepEqual(place(fast, pods.slice(10)), place(naive, pods.slice(10), true));
});
