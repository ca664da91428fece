import { randomBytes } from 'node:crypto';
import type { Kernel } from '../../kernel/index.js';
import type { Delegator } from './delegate.js';
import type { HostFiles } from './files.js';

/**
 * What our plugins act through (the `K` of CniPlugin<K>): the kernel, delegation to IPAM plugins, the filesystem
 * for plugin state, and the source of names upstream draws at random. The executable wires the Linux kernel,
 * ExecInvoker delegation and real files; the in-process runtime wires the virtual kernel, in-process delegation and
 * memory files, with deterministic names.
 */
export interface PluginHost {
  readonly kernel: Kernel;
  readonly delegate: Delegator;
  readonly files: HostFiles;
  /** A host-side veth name, `veth` + 8 hex (ip.RandomVethName); `attempt` counts retries after a name clash. */
  vethName(containerId: string, ifName: string, attempt: number): string;
}

/** Upstream's: 4 random bytes. */
export function randomVethName(): string {
  return `veth${randomBytes(4).toString('hex')}`;
}

/** FNV-1a 32, the deterministic stand-in for random names in the emulator. */
export function fnv32Hex(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return (HEX[h >>> 24] as string) + (HEX[(h >>> 16) & 255] as string) + (HEX[(h >>> 8) & 255] as string) + (HEX[h & 255] as string);
}

/** Two lowercase hex digits per byte value. */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
