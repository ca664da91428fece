import type { Kernel } from './kernel.js';
import { KW_PREFIX } from './names.js';
import { NetnsOwners, sandboxGroupOf } from './owners.js';

export interface CleanupReport {
  readonly removed: string[];
  readonly failed: { name: string; error: string }[];
  /** Namespaces left alone because a live process (a running validator) still owns them. */
  readonly inUse: { name: string; pid: number }[];
}

/**
 * `kubewire cleanup` (after mininet's clean.py): delete every network namespace whose name carries the kw- prefix,
 * which takes its links with it, except a validator sandbox whose owning process is still alive (cleaning it would
 * break that run midway; after a crash its owner is gone and it is removed). Failures are collected, not thrown, so
 * one stuck namespace does not keep the others.
 */
export async function cleanupKw(kernel: Kernel, owners: NetnsOwners = new NetnsOwners()): Promise<CleanupReport> {
  const removed: string[] = [];
  const failed: { name: string; error: string }[] = [];
  const inUse: { name: string; pid: number }[] = [];
  for (const name of await kernel.netns.list()) {
    if (!name.startsWith(KW_PREFIX)) continue;
    const group = sandboxGroupOf(name);
    const pid = group === undefined ? undefined : owners.liveOwner(group);
    if (pid !== undefined) {
      inUse.push({ name, pid });
      continue;
    }
    try {
      await kernel.netns.del(name);
      removed.push(name);
      // Its owner is gone: the claim goes with what it claimed.
      if (group !== undefined) owners.release(group);
    } catch (e) {
      failed.push({ name, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return { removed, failed, inUse };
}
