import test from 'ava';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { parseIp4 } from '../../../../src/addr/index.js';
import { BLOCK_SIZE, createSharedIptablesContext, IptablesProxier, parseDump, type ProxierConfig } from '../../../../src/proxy/index.js';
import { fakeProxierConfig, makeTestEndpointSlice, makeTestService, tcpPort } from '../../helpers.js';

// Enough Services for three blocks of cached text, so block reuse, cutting one service out of a
// block and rebuilding a block from its previous text are all exercised.
const COUNT = 2 * BLOCK_SIZE + 7;
const NODES = ['node-a', 'node-b', 'node-c'];

function service(i: number, gen = 0): Service {
  const svc = makeTestService(`ns${i % 7}`, `s${i}`, (s) => {
    s.spec.type = i % 5 === 0 ? 'NodePort' : 'ClusterIP';
    // Every 9th Service routes external traffic to local endpoints only: its rules differ per node.
    if (i % 9 === 0) {
      s.spec.type = 'NodePort';
      s.spec.externalTrafficPolicy = 'Local';
    }
    s.spec.clusterIP = `172.30.${i >> 8}.${i & 255}`;
    s.spec.ports = [{ name: 'p80', port: 80 + gen, protocol: 'TCP', ...(s.spec.type === 'NodePort' ? { nodePort: 30000 + i } : {}) }];
  });
  return { ...svc, metadata: { ...svc.metadata, resourceVersion: `${gen}` } };
}

function slice(i: number, n: number): EndpointSlice {
  const eps = Array.from({ length: n }, (_, k) => ({ addresses: [`10.${i >> 8}.${i & 255}.${k + 1}`], nodeName: NODES[(i + k) % NODES.length] ?? '' }));
  const s = makeTestEndpointSlice(`ns${i % 7}`, `s${i}`, 1, eps, [tcpPort('p80', 8080)]);
  return { ...s, metadata: { ...s.metadata, resourceVersion: `${n}` } };
}

const cfg = (node: string, ip: string): ProxierConfig => fakeProxierConfig({ nodeName: node, nodeIPs: [parseIp4(ip)] });

type Step = (p: IptablesProxier) => void;

/** Steps of watch events; after each step every node syncs. */
const steps: Step[] = [
  (p) => {
    for (let i = 0; i < COUNT; i++) {
      p.onServiceAdd(service(i));
      p.onEndpointSliceAdd(slice(i, 1 + (i % 3)));
    }
  },
  // One new Service at the end (the last block is rebuilt from its previous text).
  (p) => {
    p.onServiceAdd(service(COUNT));
    p.onEndpointSliceAdd(slice(COUNT, 2));
  },
  // Endpoints change in the first block, a port changes in the second, a Service goes in the third.
  (p) => {
    p.onEndpointSliceUpdate(slice(3, 1), slice(3, 3));
    p.onServiceUpdate(service(BLOCK_SIZE + 4), service(BLOCK_SIZE + 4, 1));
    p.onServiceDelete(service(2 * BLOCK_SIZE + 1));
    p.onEndpointSliceDelete(slice(2 * BLOCK_SIZE + 1, 1 + ((2 * BLOCK_SIZE + 1) % 3)));
  },
  // An eTP=Local Service loses its endpoints on some nodes.
  (p) => {
    p.onEndpointSliceUpdate(slice(9, 1), slice(9, 3));
    p.onEndpointSliceUpdate(slice(18, 1), slice(18, 2));
  },
];

/** Chain → rules of one table of a restore text (deleted chains left out). */
function chainsOf(restore: string, table: string): Map<string, readonly string[]> {
  const t = parseDump(restore).find((x) => x.name === table);
  return new Map((t?.chains ?? []).filter((c) => !c.deleted).map((c) => [c.name, c.rules]));
}

test('partial and full syncs over cached blocks agree with a fresh full render, step after step', (t) => {
  const ctx = createSharedIptablesContext();
  const ips = ['192.168.0.10', '192.168.0.11', '192.168.0.12'];
  const shared = NODES.map((n, i) => new IptablesProxier(cfg(n, ips[i] ?? ''), ctx));
  steps.forEach((step, s) => {
    for (const p of shared) step(p);
    NODES.forEach((node, i) => {
      const got = shared[i]?.sync();
      // Reference: a proxier of its own, fed every event so far, rendering everything at once.
      const ref = new IptablesProxier(cfg(node, ips[i] ?? ''));
      for (const earlier of steps.slice(0, s + 1)) earlier(ref);
      const want = ref.renderFull();
      if (s === 0) {
        t.is(got?.kind, 'full');
        t.is(got?.restore, want, `${node} full sync`);
        return;
      }
      t.is(got?.kind, 'partial');
      const where = `${node} after step ${s}`;
      // A partial sync writes the whole filter table, KUBE-SERVICES and KUBE-NODEPORTS, and the
      // chains of changed services: each must hold exactly the rules of the fresh full render.
      t.deepEqual(chainsOf(got?.restore ?? '', 'filter'), chainsOf(want, 'filter'), where);
      const wantNat = chainsOf(want, 'nat');
      const gotNat = chainsOf(got?.restore ?? '', 'nat');
      t.true(gotNat.size > 4, where);
      for (const [chain, rules] of gotNat) t.deepEqual(rules, wantNat.get(chain), `${where}: ${chain}`);
      for (const c of got?.deletedChains ?? []) t.false(wantNat.has(c), `${where}: ${c} deleted but still rendered`);
    });
  });
  // A node joining late renders everything fully from the shared blocks.
  const late = new IptablesProxier(cfg('node-b', '192.168.0.11'), ctx);
  const ref = new IptablesProxier(cfg('node-b', '192.168.0.11'));
  for (const step of steps) step(ref);
  t.is(late.sync().restore, ref.renderFull());
});
