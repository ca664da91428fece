import { registeredResource, type ReadonlyKubeObject } from '../api/index.js';
import { isApiError, microTime, type ApiServer } from '../apiserver/index.js';
import type { Clock } from '../lib/index.js';

const LEASES = registeredResource('coordination.k8s.io', 'leases');

/** The namespace node leases live in (corev1.NamespaceNodeLease). */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** --node-lease-duration-seconds' default. */
export const NODE_LEASE_DURATION_SECONDS = 40;
/** The kubelet renews every quarter of the lease duration (nodeLeaseRenewIntervalFraction 0.25): 10 s. */
export const NODE_LEASE_RENEW_MS = (NODE_LEASE_DURATION_SECONDS * 1000) / 4;

/**
 * The kubelet's node lease controller (component-helpers' lease controller as the kubelet runs it): a
 * Lease named after the node in kube-node-lease, held by the node, owned by its Node object (so it is
 * collected with it), renewed every 10 s of simulated time while the kubelet runs. `kubectl describe
 * node` shows it; a stopped kubelet leaves it to go stale, which is how a node failure looks.
 */
export class NodeLease {
  private renewedAt: number | undefined;

  constructor(
    private readonly api: ApiServer,
    private readonly clock: Clock,
    private readonly nodeName: string,
  ) {}

  /** Whether a renewal is due now (never renewed, or the renew interval has passed). */
  due(): boolean {
    return this.renewedAt === undefined || this.clock.now() - this.renewedAt >= NODE_LEASE_RENEW_MS;
  }

  /** Forget the last renewal (the kubelet restarted): the next sync writes at once. */
  reset(): void {
    this.renewedAt = undefined;
  }

  /**
   * ensureLease then renew: creates the Lease when missing, otherwise moves its renewTime to now. A refused
   * write (someone deleted kube-node-lease, say) is not the kubelet's failure: as the real controller logs
   * and retries, the next attempt comes a renew interval later.
   */
  async sync(nodeUid: string | undefined): Promise<void> {
    try {
      await this.write(nodeUid);
    } catch (e) {
      if (!isApiError(e)) throw e;
    }
    this.renewedAt = this.clock.now();
  }

  private async write(nodeUid: string | undefined): Promise<void> {
    const now = this.clock.now();
    const cur = await this.api.find(LEASES, NODE_LEASE_NAMESPACE, this.nodeName);
    const spec = { holderIdentity: this.nodeName, leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS, renewTime: microTime(now) };
    // setNodeOwnerFunc: the owner reference is added once the Node's uid is known.
    const owners = nodeUid === undefined ? {} : { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: nodeUid }] };
    if (cur === undefined) {
      await this.api.create(LEASES, NODE_LEASE_NAMESPACE, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.nodeName, namespace: NODE_LEASE_NAMESPACE, ...owners }, spec });
    } else {
      const meta = cur.metadata.ownerReferences === undefined ? { ...cur.metadata, ...owners } : cur.metadata;
      await this.api.update(LEASES, NODE_LEASE_NAMESPACE, this.nodeName, { ...cur, metadata: meta, spec: { ...(cur['spec'] as object | undefined), ...spec } });
    }
  }
}
