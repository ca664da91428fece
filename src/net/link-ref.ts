import { topologyGeneration } from './generation.js';
import type { Link } from './link.js';
import type { Netns } from './netns.js';

/**
 * A link named by its namespace and device name, as a veth names its peer (`link-netns`), with what those names
 * resolved to. Every veth crossing of every trace follows one; looking the names up each time cost two hash
 * lookups (the namespace among a 150,000-pod cluster's, then the device) on memory no other hop touches. The
 * answer is kept while the topology generation stands still, so a namespace or link added, removed or replaced
 * since is always seen.
 */
export class LinkRef {
  /** What the names resolved to at generation `at`; undefined when nothing by those names existed then. */
  ns: Netns | undefined = undefined;
  link: Link | undefined = undefined;
  private at = -1;
  private among: ReadonlyMap<string, Netns> | undefined = undefined;
  /** masterLink's last answer: the link named `masterName` in `masterNs` at generation `masterAt`. */
  private masterNs: Netns | undefined = undefined;
  private masterName: string | undefined = undefined;
  private master: Link | undefined = undefined;
  private masterAt = -1;

  constructor(
    readonly netns: string,
    readonly name: string,
  ) {}

  /** Resolves the names among `all` (a Network's namespaces); true when both the namespace and the link exist. */
  resolvedIn(all: ReadonlyMap<string, Netns>): this is LinkRef & { readonly ns: Netns; readonly link: Link } {
    const g = topologyGeneration();
    if (this.at !== g || this.among !== all) {
      const ns = all.get(this.netns);
      this.ns = ns;
      this.link = ns?.link(this.name);
      this.at = g;
      this.among = all;
    }
    return this.link !== undefined;
  }

  /**
   * The link named `name` in `ns`, as `ns.link` answers: the resolved link's master (the bridge it is enslaved to)
   * in its namespace. A frame out of a pod reaches its node's bridge this way; the answer is kept here, beside the
   * reference the frame followed, while the generation and the master's name stand still (`ip link set master`
   * renames it without a topology change, so the name is compared each time).
   */
  masterLink(ns: Netns, name: string): Link | undefined {
    const g = topologyGeneration();
    if (this.masterAt !== g || this.masterName !== name || this.masterNs !== ns) {
      this.master = ns.link(name);
      this.masterNs = ns;
      this.masterName = name;
      this.masterAt = g;
    }
    return this.master;
  }
}
