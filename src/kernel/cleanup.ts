import type { Kernel } from './kernel.js';
import { KW_PREFIX } from './names.js';

/**
 * `kubewire cleanup` (after mininet's clean.py): delete every network namespace whose name carries the kw- prefix,
 * which takes its links with it. Returns what was removed; failures are collected, not thrown, so one stuck namespace
 * does not keep the others.
 */
export async function cleanupKw(kernel: Kernel): Promise<{ removed: string[]; failed: { name: string; error: string }[] }> {
  const removed: string[] = [];
  const failed: { name: string; error: string }[] = [];
  for (const name of await kernel.netns.list()) {
    if (!name.startsWith(KW_PREFIX)) continue;
    try {
      await kernel.netns.del(name);
      removed.push(name);
    } catch (e) {
      failed.push({ name, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return { removed, failed };
}
