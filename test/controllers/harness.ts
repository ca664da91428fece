import { Cidr4 } from '../../src/addr/index.js';
import type { KubeObject } from '../../src/api/index.js';
import { ControlPlane } from '../../src/cluster/live/control-plane.js';
import { R, specOf, statusOf } from '../../src/controllers/index.js';
import type { PodNetwork, SandboxRequest } from '../../src/kubelet/index.js';
import { InputError } from '../../src/lib/index.js';

/** A PodNetwork that hands out 10.244.<node>.<n> in order and records ADD/DEL, like host-local would. */
export class FakeNetwork {
  readonly log: string[] = [];
  private readonly next = new Map<string, number>();
  readonly limit: number;
  constructor(limit = 250) {
    this.limit = limit;
  }
  forNode(node: string, index: number): PodNetwork {
    return {
      setUp: (p: SandboxRequest) => {
        const n = (this.next.get(node) ?? 1) + 1;
        if (n > this.limit + 1) throw new InputError('KW_CNI_IPAM_EXHAUSTED', `no IP addresses available on ${node}`);
        this.next.set(node, n);
        this.log.push(`ADD ${p.namespace}/${p.name} on ${node}`);
        return { ip: `10.244.${index}.${n}`, netns: `pod/${p.namespace}/${p.name}` };
      },
      tearDown: (p: SandboxRequest) => {
        this.log.push(`DEL ${p.namespace}/${p.name} on ${node}`);
      },
    };
  }
}

export async function cluster(
  nodes: string[] | number = 3,
  opts: { cpu?: string; limit?: number; naive?: boolean; deferNamespaceCleanup?: (start: () => void) => void } = {},
): Promise<{ cp: ControlPlane; net: FakeNetwork }> {
  const names = typeof nodes === 'number' ? Array.from({ length: nodes }, (_, i) => `node-${i + 1}`) : nodes;
  const net = new FakeNetwork(opts.limit);
  const index = new Map(names.map((n, i) => [n, i + 1]));
  const cp = await ControlPlane.start({
    serviceCIDR: Cidr4.parse('10.96.0.0/12'),
    clusterCIDR: Cidr4.parse('10.244.0.0/16'),
    nodeCIDRMaskSize: 24,
    loadBalancerPool: Cidr4.parse('192.168.50.240/29'),
    network: (n) => net.forNode(n, index.get(n) ?? 99),
    ...(opts.naive === true ? { naiveScheduler: true } : {}),
    ...(opts.deferNamespaceCleanup === undefined ? {} : { deferNamespaceCleanup: opts.deferNamespaceCleanup }),
  });
  for (const [i, n] of names.entries()) await cp.addNode({ name: n, ip: `192.168.50.${11 + i}`, capacity: { cpu: opts.cpu ?? '4', memory: '16Gi', pods: '110' } });
  await cp.settle();
  return { cp, net };
}

export function deployment(name: string, replicas: number, extra: { image?: string; maxSurge?: number | string; maxUnavailable?: number | string; strategy?: string; readinessPort?: number | string; cpu?: string } = {}): Record<string, unknown> {
  const container: Record<string, unknown> = { name: 'app', image: extra.image ?? 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080 }] };
  if (extra.readinessPort !== undefined) container['readinessProbe'] = { tcpSocket: { port: extra.readinessPort } };
  if (extra.cpu !== undefined) container['resources'] = { requests: { cpu: extra.cpu } };
  const strategy =
    extra.strategy === 'Recreate'
      ? { type: 'Recreate' }
      : { type: 'RollingUpdate', rollingUpdate: { maxSurge: extra.maxSurge ?? '25%', maxUnavailable: extra.maxUnavailable ?? '25%' } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, strategy, template: { metadata: { labels: { app: name } }, spec: { containers: [container] } } },
  };
}

export function list(cp: ControlPlane, r: (typeof R)[keyof typeof R]): KubeObject[] {
  return [...cp.informers.list(r)];
}

export function podsOf(cp: ControlPlane, app: string): KubeObject[] {
  return list(cp, R.pods).filter((p) => p.metadata.labels?.['app'] === app);
}

export function podIp(p: KubeObject): string {
  return String(statusOf(p)['podIP'] ?? '');
}

export function nodeOf(p: KubeObject): string {
  return String(specOf(p)['nodeName'] ?? '');
}

export function isReady(p: KubeObject): boolean {
  const conds = statusOf(p)['conditions'];
  return Array.isArray(conds) && conds.some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True');
}
