import { VersionedMap } from './generation.js';
import type { Link } from './link.js';

/** Who keeps answers from a LinkTable and must hear of every change to it. */
export interface LinkTableOwner {
  /** `name` now resolves to `link` (undefined: removed); no other name changed. */
  linkChanged(name: string, link: Link | undefined): void;
}

/**
 * A namespace's links by name, telling the namespace of every write. Netns.link keeps its last answers on the
 * namespace object; told of each change here, it needs no check of the process-wide topology generation, which
 * any change anywhere bumps (building a 150,000-pod cluster bumps it on every link): a pod's namespace, first
 * visited by a trace long after its own links last changed, finds its eth0 without a probe of its links Map.
 */
export class LinkTable extends VersionedMap<string, Link> {
  private declare readonly owner: LinkTableOwner;

  // Declared fields, assigned here (see ConntrackTable's note in netfilter/conntrack.ts).
  constructor(owner: LinkTableOwner) {
    super();
    this.owner = owner;
  }

  override set(name: string, link: Link): this {
    super.set(name, link);
    this.owner.linkChanged(name, link);
    return this;
  }

  override delete(name: string): boolean {
    const had = super.delete(name);
    this.owner.linkChanged(name, undefined);
    return had;
  }

  override clear(): void {
    const names = [...this.keys()];
    super.clear();
    for (const n of names) this.owner.linkChanged(n, undefined);
  }
}
