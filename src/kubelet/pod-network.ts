/** The pod the network is set up for: what a CRI runtime hands the CNI plugins. */
export interface SandboxRequest {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly node: string;
  /** The container ports published on the node (the sandbox config's port mappings); none when absent. */
  readonly portMappings?: readonly HostPortMapping[];
}

/**
 * A container port published with a hostPort, as the kubelet puts it in the sandbox config (CRI PortMapping) and the
 * runtime passes it to CNI as the portMappings capability.
 */
export interface HostPortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly hostIP?: string;
}

export interface Sandbox {
  /** The pod's IPv4 address, dotted. */
  readonly ip: string;
  /** The network namespace holding it. */
  readonly netns: string;
}

/**
 * Where a kubelet gets pod networking: today the cluster's in-memory wiring (bridge + host-local),
 * tomorrow the CNI runtime running a conflist (ADD on start, DEL on delete). setUp throws a
 * KubewireError when the network cannot be set up (e.g. IPAM exhausted): the pod then stays in
 * ContainerCreating, as with a failed CNI ADD. tearDown of an unknown pod is a no-op (CNI DEL is idempotent).
 */
export interface PodNetwork {
  setUp(pod: SandboxRequest): Sandbox | Promise<Sandbox>;
  tearDown(pod: SandboxRequest): void | Promise<void>;
}
