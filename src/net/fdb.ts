import type { Mac } from '../addr/index.js';
import { topologyGeneration } from './generation.js';
import type { Link } from './link.js';
import type { Netns } from './netns.js';

export class FdbEntry {
  /** The port's link as last looked up, in namespace `linkNs` at topology generation `linkAt` (see linkIn). */
  private link: Link | undefined = undefined;
  private linkNs: Netns | undefined = undefined;
  private linkAt = -1;

  constructor(
    readonly mac: Mac,
    /** The bridge port the MAC lives behind. */
    readonly port: string,
    /** `permanent`: the port's own address; otherwise learned from a received frame. */
    readonly permanent: boolean,
  ) {}

  /**
   * The port's link in `ns` (the bridge's namespace), as `ns.link(port)` answers. A frame forwarded by this entry
   * reads the entry anyway; the link it names is kept beside it while the topology generation stands still, where
   * looking the name up again read the namespace's links table, cold in a large cluster.
   */
  linkIn(ns: Netns): Link | undefined {
    const g = topologyGeneration();
    if (this.linkAt !== g || this.linkNs !== ns) {
      this.link = ns.link(this.port);
      this.linkNs = ns;
      this.linkAt = g;
    }
    return this.link;
  }
}

/**
 * A Linux bridge's forwarding database. The bridge learns a source MAC on each frame it
 * receives on a port and forwards by destination MAC; unknown destinations are flooded.
 * Ageing (300 s by default) is not modelled: kubewire's network is a settled one.
 */
export class Fdb {
  private readonly byMac = new Map<Mac, FdbEntry>();

  learn(mac: Mac, port: string): void {
    const e = this.byMac.get(mac);
    if (e?.permanent === true) return;
    if (e?.port !== port) this.byMac.set(mac, new FdbEntry(mac, port, false));
  }

  addPermanent(mac: Mac, port: string): void {
    this.byMac.set(mac, new FdbEntry(mac, port, true));
  }

  lookup(mac: Mac): FdbEntry | undefined {
    return this.byMac.get(mac);
  }

  removePort(port: string): void {
    for (const [mac, e] of this.byMac) if (e.port === port) this.byMac.delete(mac);
  }

  entries(): IterableIterator<FdbEntry> {
    return this.byMac.values();
  }
}
