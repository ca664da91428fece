import type { Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';

export function node(name: string, o: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; ready?: string } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { ...(o.taints === undefined ? {} : { taints: o.taints }), ...(o.unschedulable === undefined ? {} : { unschedulable: o.unschedulable }) },
    status: {
      allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' },
      conditions: [{ type: 'Ready', status: o.ready ?? 'True' }],
    },
  };
}

export function pod(name: string, o: { cpu?: string; memory?: string; nodeSelector?: Record<string, string>; tolerations?: Toleration[]; affinity?: Pod['spec'] extends infer S ? (S extends { affinity?: infer A } ? A : never) : never } = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu !== undefined) requests['cpu'] = o.cpu;
  if (o.memory !== undefined) requests['memory'] = o.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests } }],
      ...(o.nodeSelector === undefined ? {} : { nodeSelector: o.nodeSelector }),
      ...(o.tolerations === undefined ? {} : { tolerations: o.tolerations }),
      ...(o.affinity === undefined ? {} : { affinity: o.affinity }),
    },
  };
}
