/**
 * Benchmark of the iptables proxier (figures only, no assertions). Run:
 *   node --import ./scripts/ts-node-register.mjs test/proxy/bench/iptables-bench.ts [--quick]
 * or call benchIptablesProxier(ctx) from scripts/bench.ts (same BenchContext shape).
 * Targets (issue): 10,000 Services x 3 endpoints: one node's full render <= 100 ms; add one Service
 * and re-render as kube-proxy's partial sync <= 1 ms; many nodes share what is identical.
 */
import { performance } from 'node:perf_hooks';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Cidr4, parseIp4 } from '../../../src/addr/index.js';
import { createSharedIptablesContext, IptablesProxier } from '../../../src/proxy/index.js';

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}
export interface Ctx {
  readonly quick: boolean;
  readonly report: (f: Figure) => void;
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

function service(i: number): Service {
  return {
    metadata: { namespace: `ns${i % 100}`, name: `svc${i}`, resourceVersion: '1' },
    spec: {
      type: i % 10 === 0 ? 'NodePort' : 'ClusterIP',
      clusterIP: `172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
      ports: [{ name: 'http', port: 80, protocol: 'TCP', ...(i % 10 === 0 ? { nodePort: 30000 + (i % 2000) } : {}) }],
    },
  };
}

function slice(i: number, nodes: number): EndpointSlice {
  return {
    metadata: { namespace: `ns${i % 100}`, name: `svc${i}-abc`, labels: { 'kubernetes.io/service-name': `svc${i}` }, resourceVersion: '1' },
    addressType: 'IPv4',
    endpoints: [0, 1, 2].map((k) => ({ addresses: [`10.${(i >> 8) & 255}.${i & 255}.${k + 1}`], nodeName: `node-${(i * 3 + k) % nodes}`, conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

const cfg = (n: number) => ({ nodeName: `node-${n}`, nodeIPs: [parseIp4(`192.168.${n >> 8}.${n & 255}`)], clusterCIDR: Cidr4.parse('10.0.0.0/8') });

export function benchIptablesProxier(ctx: Ctx): void {
  const services = ctx.quick ? 2000 : 10000;
  const nodes = ctx.quick ? 50 : 500;
  const shared = createSharedIptablesContext();
  const first = new IptablesProxier(cfg(0), shared);
  let t0 = performance.now();
  for (let i = 0; i < services; i++) {
    first.onServiceAdd(service(i));
    first.onEndpointSliceAdd(slice(i, nodes));
  }
  ctx.report({ name: `proxy.iptables.ingest(${services} svc x 3 ep)`, value: r2(performance.now() - t0), unit: 'ms' });

  t0 = performance.now();
  const full = first.sync();
  const len = full.restore.length; // forces the text to exist
  ctx.report({ name: 'proxy.iptables.full-render(first node, cold cache)', value: r2(performance.now() - t0), unit: 'ms' });
  ctx.report({ name: 'proxy.iptables.restore-size', value: Math.round(len / 1024), unit: 'KiB' });

  const second = new IptablesProxier(cfg(1), shared);
  t0 = performance.now();
  const s2 = second.sync();
  void s2.restore.length;
  ctx.report({ name: 'proxy.iptables.full-render(another node, shared cache)', value: r2(performance.now() - t0), unit: 'ms' });

  // Partial sync: add one Service (+ its slice) and re-render, median of several rounds.
  const times: number[] = [];
  for (let k = 0; k < 21; k++) {
    const i = services + k;
    first.onServiceAdd(service(i));
    first.onEndpointSliceAdd(slice(i, nodes));
    t0 = performance.now();
    const p = first.sync();
    void p.restore.length;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  ctx.report({ name: 'proxy.iptables.partial-sync(add 1 service, median)', value: r2(times[10] ?? 0), unit: 'ms' });

  // Many nodes on one shared context: memory per extra node.
  const heapBefore = process.memoryUsage().heapUsed;
  const proxiers: IptablesProxier[] = [];
  t0 = performance.now();
  for (let n = 2; n < nodes; n++) {
    const p = new IptablesProxier(cfg(n), shared);
    void p.sync().restore.length;
    proxiers.push(p);
  }
  const perNode = (performance.now() - t0) / Math.max(1, nodes - 2);
  const heapAfter = process.memoryUsage().heapUsed;
  ctx.report({ name: `proxy.iptables.full-render(avg over ${nodes - 2} more nodes)`, value: r2(perNode), unit: 'ms' });
  ctx.report({ name: 'proxy.iptables.heap-per-extra-node', value: Math.round((heapAfter - heapBefore) / Math.max(1, nodes - 2) / 1024), unit: 'KiB' });
  ctx.report({ name: 'proxy.iptables.heap-total', value: Math.round(heapAfter / 1048576), unit: 'MiB' });
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  benchIptablesProxier({ quick: process.argv.includes('--quick'), report: (f) => process.stdout.write(`${f.name}: ${f.value} ${f.unit}\n`) });
}
