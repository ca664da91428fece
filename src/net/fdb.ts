import type { Mac } from '../addr/index.js';

export interface FdbEntry {
  readonly mac: Mac;
  /** The bridge port the MAC lives behind. */
  readonly port: string;
  /** `permanent`: the port's own address; otherwise learned from a received frame. */
  readonly permanent: boolean;
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
    if (e?.port !== port) this.byMac.set(mac, { mac, port, permanent: false });
  }

  addPermanent(mac: Mac, port: string): void {
    this.byMac.set(mac, { mac, port, permanent: true });
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
