import type { NodeCondition } from 'kubernetes-types/core/v1.js';

export interface NodeRegistration {
  readonly name: string;
  readonly ip: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Given when the node's podCIDR is fixed in advance; otherwise node IPAM assigns one. */
  readonly podCIDR?: string;
  readonly capacity?: { readonly cpu?: string; readonly memory?: string; readonly pods?: string };
}

export const KUBELET_VERSION = 'v1.32.0';

/** The conditions a healthy kubelet posts (setNodeStatus: memory, disk, PID pressure, then Ready). */
export function healthyConditions(now: string): NodeCondition[] {
  const c = (type: string, status: string, reason: string, message: string): NodeCondition => ({ type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/**
 * The Node's labels: the well-known ones the kubelet sets itself (initialNode: hostname, OS, architecture), which
 * manifests select on (`nodeSelector: {kubernetes.io/os: linux}`), then the node's own.
 */
export function nodeLabels(name: string, labels: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...labels };
}

/** The Node a kubelet registers (registerWithAPIServer → initialNode), with its first status. */
export function nodeObject(reg: NodeRegistration, now: string): Record<string, unknown> {
  const capacity = { cpu: reg.capacity?.cpu ?? '8', memory: reg.capacity?.memory ?? '32Gi', pods: reg.capacity?.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: reg.name,
      labels: nodeLabels(reg.name, reg.labels),
    },
    spec: reg.podCIDR === undefined ? {} : { podCIDR: reg.podCIDR, podCIDRs: [reg.podCIDR] },
    status: nodeStatus(reg, capacity, now),
  };
}

export function nodeStatus(reg: NodeRegistration, capacity: Record<string, string>, now: string): Record<string, unknown> {
  return {
    capacity,
    allocatable: capacity,
    conditions: healthyConditions(now),
    addresses: [
      { type: 'InternalIP', address: reg.ip },
      { type: 'Hostname', address: reg.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      architecture: 'amd64',
      operatingSystem: 'linux',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      containerRuntimeVersion: 'containerd://1.7.24',
      osImage: 'kubewire',
      kernelVersion: '6.1.0',
      bootID: '',
      machineID: '',
      systemUUID: '',
    },
  };
}
