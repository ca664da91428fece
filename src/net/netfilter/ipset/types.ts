import type { Packet } from '../../../packet/index.js';

export const IPSET_TYPES = ['hash:ip', 'hash:ip,port', 'hash:ip,port,ip', 'hash:ip,port,net', 'hash:net', 'bitmap:port'] as const;
export type IpsetType = (typeof IPSET_TYPES)[number];

/** One ipset: a typed set of members, matched against packets by `-m set` (xt_set). */
export interface IpSet {
  readonly name: string;
  readonly type: IpsetType;
  /** The create options after the type, as written (`family inet hashsize 1024 maxelem 65536`). */
  readonly createOptions: readonly string[];
  /** Members in canonical `ipset save` form, in insertion order. */
  readonly members: readonly string[];
  /** Whether the packet's fields, picked per dimension by `dirs` (true = src, false = dst), form a member. */
  test(p: Packet, dirs: readonly boolean[]): boolean;
}

/**
 * The ipsets of one network namespace, as `-m set` resolves names at packet time. Immutable: `ipset restore` makes a
 * new registry, so a match may keep the set it found in one registry for as long as it is handed that registry.
 */
export interface IpsetRegistry {
  get(name: string): IpSet | undefined;
  names(): readonly string[];
}
