import { Cidr4 } from '../addr/index.js';
import { cloneJson, type KubeObject } from '../api/index.js';
import type { ApiServer } from '../apiserver/index.js';
import type { Informers } from './runtime/informers.js';
import { R, specOf } from './runtime/objects.js';
import { QueueController } from './runtime/work-queue.js';

function podCidrOf(node: KubeObject): Cidr4 | undefined {
  const c = specOf(node)['podCIDR'];
  if (typeof c !== 'string' || c === '') return undefined;
  try {
    return Cidr4.parse(c);
  } catch {
    return undefined;
  }
}

/**
 * Node IPAM (kube-controller-manager's RangeAllocator over cidrset): every node without a
 * podCIDR gets the next free /nodeCIDRMaskSize of clusterCIDR, searching from where the last
 * allocation stopped (cidrset.AllocateNext) and wrapping; podCIDRs already on nodes are occupied
 * first; a deleted node's CIDR is released. spec.podCIDR and spec.podCIDRs are set together.
 * When the range is exhausted the node is left without one (and a CIDRNotAvailable message is kept).
 */
export class NodeIpamController extends QueueController {
  readonly name = 'node-ipam-controller';
  private readonly used = new Map<number, string>();
  private next = 0;
  private readonly step_: number;
  private readonly count: number;
  readonly exhausted: string[] = [];

  constructor(
    private readonly api: ApiServer,
    private readonly informers: Informers,
    private readonly clusterCIDR: Cidr4,
    private readonly maskSize: number,
  ) {
    super();
    this.step_ = 2 ** (32 - maskSize);
    this.count = clusterCIDR.subnetCount(maskSize);
    informers.on(R.nodes, (type, node, old) => {
      const name = node.metadata.name ?? '';
      if (old !== undefined) this.free(podCidrOf(old), name);
      if (type === 'DELETED') return;
      const cidr = podCidrOf(node);
      if (cidr === undefined) this.enqueue(name);
      else this.occupy(cidr, name);
    });
  }

  private indexOf(c: Cidr4): number | undefined {
    if (!this.clusterCIDR.containsCidr(c) || c.prefix !== this.maskSize) return undefined;
    return (c.network - this.clusterCIDR.network) / this.step_;
  }

  private occupy(c: Cidr4, node: string): void {
    const i = this.indexOf(c);
    if (i !== undefined) this.used.set(i, node);
  }

  private free(c: Cidr4 | undefined, node: string): void {
    const i = c === undefined ? undefined : this.indexOf(c);
    if (i !== undefined && this.used.get(i) === node) this.used.delete(i);
  }

  protected async sync(name: string): Promise<void> {
    const node = this.informers.get(R.nodes, '', name);
    if (node === undefined || podCidrOf(node) !== undefined) return;
    let idx: number | undefined;
    for (let k = 0; k < this.count; k++) {
      const i = (this.next + k) % this.count;
      if (!this.used.has(i)) {
        idx = i;
        break;
      }
    }
    if (idx === undefined) {
      this.exhausted.push(name);
      return;
    }
    this.next = (idx + 1) % this.count;
    const cidr = this.clusterCIDR.subnet(this.maskSize, idx).toString();
    this.used.set(idx, name);
    // A JSON copy (the stored node is JSON data): structuredClone serializes and deserializes, ~4x the cost.
    const next = cloneJson(node);
    next['spec'] = { ...specOf(node), podCIDR: cidr, podCIDRs: [cidr] };
    await this.api.update(R.nodes, '', name, next);
  }
}
