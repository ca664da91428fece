import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Cidr4, parseIp4 } from '../../src/addr/index.js';
import { createSharedIptablesContext, IptablesProxier, type IptablesSyncReport, type ProxierConfig, RestoreBytes } from '../../src/proxy/index.js';
import { type BenchContext, round } from './figure.js';

/**
 * The iptables proxier's figures (issue targets at 10,000 Services x 3 endpoints: cold full render of
 * one node <= 100 ms, partial sync adding one Service <= 1 ms, 5,000 nodes sharing what is identical).
 * Times are CPU time of this process (process.cpuUsage, user + system), not wall time: the bench
 * machine is shared, and CPU time is what rendering costs. A render is timed up to a flat string
 * (iptables-restore or the netfilter parser reads every character), not a rope.
 * --quick: 2,000 Services and 500 nodes.
 */
export function benchIptables(ctx: BenchContext): void {
  const services = ctx.quick ? 2000 : 10000;
  const nodes = ctx.quick ? 500 : 5000;
  const tag = ctx.quick ? '2k-services' : '10k-services';
  const gc = exposeGc();

  gc();
  const shared = createSharedIptablesContext();
  const first = new IptablesProxier(nodeConfig(0), shared);
  const svcs = Array.from({ length: services }, (_, i) => service(i));
  const slices = Array.from({ length: services }, (_, i) => slice(i, nodes));
  const ingest = cpuMs(() => {
    for (let i = 0; i < services; i++) {
      first.onServiceAdd(svcs[i] as Service);
      first.onEndpointSliceAdd(slices[i] as EndpointSlice);
    }
  });
  ctx.report({ name: `proxy.iptables.ingest.${tag}`, value: round(ingest, 1), unit: 'ms' });

  let size = 0;
  const w0 = performance.now();
  const cold = cpuMs(() => {
    size = flatten(first.sync().restore);
  });
  const coldWall = performance.now() - w0;
  ctx.report({ name: `proxy.iptables.render.${tag}`, value: round(cold, 1), unit: 'ms' });
  // Beside it, the elapsed time of the same render: the CPU figure also counts V8 compiling the render's functions
  // on its background threads (a first render in a process pays for that), which runs on the other core.
  ctx.report({ name: `proxy.iptables.render.${tag}.wall`, value: round(coldWall, 1), unit: 'ms wall' });
  ctx.report({ name: `proxy.iptables.restore-size.${tag}`, value: round(size / 1024), unit: 'KiB' });

  const second = new IptablesProxier(nodeConfig(1), shared);
  const warm = cpuMs(() => flatten(second.sync().restore));
  ctx.report({ name: `proxy.iptables.render-warm.${tag}`, value: round(warm, 2), unit: 'ms' });

  // kube-proxy's partial sync: one new Service (and its slice), then sync; median of 21 rounds each.
  // What a partial sync produces is the restore input kube-proxy pipes to iptables-restore (~1.7 MB
  // at 10,000 Services: KUBE-SERVICES is always rewritten whole). Three figures:
  //  - add-service: sync + the restore input's bytes written into a buffer reused across syncs, as
  //    kube-proxy writes into its reused iptablesData buffer (the honest end-to-end figure);
  //  - add-service.flat-string: sync + the restore text flattened into a fresh JS string (a fresh
  //    1.7 MB allocation per sync);
  //  - add-service.rope: sync only, the text left as a rope of shared pieces (no bytes produced).
  const bytes = new RestoreBytes();
  let next = services;
  const addOne = (): void => {
    const i = next++;
    first.onServiceAdd(service(i));
    first.onEndpointSliceAdd(slice(i, nodes));
  };
  // Untimed: a check that the bytes are the restore text, and warm-up rounds of each variant.
  addOne();
  const check = first.sync();
  if (bytes.write(check.restorePieces).toString('utf8') !== check.restore || check.kind !== 'partial') throw new Error('bench: partial sync bytes differ from its restore text');
  const variants: readonly ((r: IptablesSyncReport) => void)[] = [(r) => void bytes.write(r.restorePieces), (r) => void flatten(r.restore), () => undefined];
  for (let k = 0; k < 3; k++) {
    for (const finish of variants) {
      addOne();
      finish(first.sync());
    }
  }
  // Rounds interleave the variants, so machine load and JIT state fall on all three alike.
  const times: number[][] = variants.map(() => []);
  for (let k = 0; k < 21; k++) {
    variants.forEach((finish, v) => {
      const i = next++;
      const s = service(i);
      const sl = slice(i, nodes);
      times[v]?.push(
        cpuMs(() => {
          first.onServiceAdd(s);
          first.onEndpointSliceAdd(sl);
          finish(first.sync());
        }),
      );
    });
  }
  const med = (v: number): number => {
    const t = [...(times[v] ?? [])].sort((a, b) => a - b);
    return t[t.length >> 1] ?? 0;
  };
  ctx.report({ name: 'proxy.iptables.partial-sync.add-service', value: round(med(0), 2), unit: 'ms' });
  ctx.report({ name: 'proxy.iptables.partial-sync.add-service.flat-string', value: round(med(1), 2), unit: 'ms' });
  ctx.report({ name: 'proxy.iptables.partial-sync.add-service.rope', value: round(med(2), 2), unit: 'ms' });
  ctx.report({ name: 'proxy.iptables.partial-sync.restore-size', value: round(check.restore.length / 1024), unit: 'KiB' });

  // Many nodes over one shared context: the heap grows per node by the proxier's own state, not by
  // its rules. A sample of nodes is rendered (the rest would render the same shared blocks).
  gc();
  const before = process.memoryUsage().heapUsed;
  const proxiers: IptablesProxier[] = [];
  for (let n = 2; n < nodes; n++) {
    const p = new IptablesProxier(nodeConfig(n), shared);
    if (n % 50 === 0) flatten(p.sync().restore);
    proxiers.push(p);
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  ctx.report({ name: `proxy.iptables.${nodes}-nodes.heap`, value: round(after / 1048576), unit: 'MiB' });
  ctx.report({ name: 'proxy.iptables.per-node-heap', value: round((after - before) / proxiers.length / 1024, 1), unit: 'KiB' });
  for (const p of proxiers) p.dispose();
}

function cpuMs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}

/** Reads one character in the middle: V8 flattens a rope on indexed access, as any consumer would. */
function flatten(s: string): number {
  s.charCodeAt(s.length >> 1);
  return s.length;
}

/** A gc() for heap figures without a node flag on the command line (a no-op if V8 refuses). */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
  return typeof gc === 'function' ? () => void gc() : () => undefined;
}

function nodeConfig(n: number): ProxierConfig {
  return { nodeName: `node-${n}`, nodeIPs: [parseIp4(`192.168.${n >> 8}.${n & 255}`)], clusterCIDR: Cidr4.parse('10.0.0.0/8') };
}

/** Every 10th Service is a NodePort; one port "http" 80/TCP. */
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

/** Three ready endpoints on three consecutive nodes. */
function slice(i: number, nodes: number): EndpointSlice {
  return {
    metadata: { namespace: `ns${i % 100}`, name: `svc${i}-abc`, labels: { 'kubernetes.io/service-name': `svc${i}` }, resourceVersion: '1' },
    addressType: 'IPv4',
    endpoints: [0, 1, 2].map((k) => ({
      addresses: [`10.${(i >> 8) & 255}.${i & 255}.${k + 1}`],
      nodeName: `node-${(i * 3 + k) % nodes}`,
      conditions: { ready: true },
    })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  benchIptables({ quick: process.argv.includes('--quick'), report: (f) => process.stdout.write(`${f.name}: ${f.value} ${f.unit}\n`), note: (t) => process.stdout.write(`${t}\n`) });
}
