import { performance } from 'node:perf_hooks';
import { Cidr4 } from '../../src/addr/index.js';
import { ControlPlane } from '../../src/cluster/index.js';
import { R } from '../../src/controllers/index.js';
import { type BenchContext, peakRssMiB, round } from './figure.js';

/** A PodNetwork stand-in that only hands out addresses: the bench measures the control plane, not the wiring. */
function addressOnly(index: number): { setUp: (p: { name: string }) => { ip: string; netns: string }; tearDown: () => void } {
  let n = 1;
  return {
    setUp: (p) => {
      n++;
      return { ip: `10.${(index >> 8) & 255}.${index & 255}.${n}`, netns: `pod/${p.name}` };
    },
    tearDown: () => undefined,
  };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * The control-plane issue's figure: N nodes register, D Deployments (with one Service each) are
 * created through the API, and the controllers, scheduler, kubelets and the EndpointSlice
 * controller run until the cluster is quiescent. Full: 5,000 nodes, 150,000 pods in 10,000
 * Deployments of 15, 10,000 Services. --quick: 250 nodes, 6,000 pods, 400 Services. KW_CP_NODES and KW_CP_DEPLOYMENTS override the sizes.
 * CPU time is reported beside wall time (the machine is shared).
 */
export async function benchControlPlane(ctx: BenchContext): Promise<void> {
  const nodes = Number(process.env["KW_CP_NODES"] ?? (ctx.quick ? 250 : 5000));
  const deployments = Number(process.env["KW_CP_DEPLOYMENTS"] ?? (ctx.quick ? 400 : 10000));
  const replicas = 15;
  const tag = `control-plane.${nodes}-nodes.${deployments * replicas}-pods`;
  const c0 = cpuMs();
  const t0 = performance.now();
  const cp = await ControlPlane.start({
    serviceCIDR: Cidr4.parse('10.96.0.0/12'),
    clusterCIDR: Cidr4.parse('10.0.0.0/8'),
    nodeCIDRMaskSize: 24,
    network: (name) => addressOnly(Number(name.slice('node-'.length))),
  });
  for (let i = 0; i < nodes; i++) await cp.addNode({ name: `node-${i}`, ip: `192.168.${i >> 8}.${i & 255}` });
  await cp.settle();
  const t1 = performance.now();
  const c1 = cpuMs();
  for (let d = 0; d < deployments; d++) {
    const app = `app-${d}`;
    await cp.api.create(R.deployments, 'default', {
      metadata: { name: app },
      spec: {
        replicas,
        selector: { matchLabels: { app } },
        template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080 }] }] } },
      },
    });
    await cp.api.create(R.services, 'default', { metadata: { name: app }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  }
  const t2 = performance.now();
  const c2 = cpuMs();
  await cp.settle();
  const t3 = performance.now();
  const c3 = cpuMs();
  const pods = cp.informers.count(R.pods);
  const running = [...cp.informers.list(R.pods)].filter((p) => (p['status'] as { phase?: string } | undefined)?.phase === 'Running').length;
  const slices = cp.informers.count(R.endpointSlices);
  ctx.report({ name: `${tag}.register-nodes`, value: round(t1 - t0), unit: 'ms' });
  ctx.report({ name: `${tag}.register-nodes.cpu`, value: round(c1 - c0), unit: 'ms' });
  ctx.report({ name: `${tag}.create-objects`, value: round(t2 - t1), unit: 'ms' });
  ctx.report({ name: `${tag}.settle`, value: round(t3 - t2), unit: 'ms' });
  ctx.report({ name: `${tag}.settle.cpu`, value: round(c3 - c2), unit: 'ms' });
  ctx.report({ name: `${tag}.total`, value: round(t3 - t0), unit: 'ms' });
  ctx.report({ name: `${tag}.total.cpu`, value: round(c3 - c0), unit: 'ms' });
  ctx.report({ name: `${tag}.pods-running`, value: running, unit: `of ${pods}` });
  ctx.report({ name: `${tag}.endpointslices`, value: slices, unit: 'slices' });
  ctx.report({ name: `${tag}.peak-rss`, value: round(peakRssMiB()), unit: 'MiB' });
}
