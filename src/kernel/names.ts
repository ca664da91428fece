import { KernelError } from './errors.js';
import type { NetnsRef } from './types.js';

/** Prefix of every object kubewire creates in a real kernel, so `kubewire cleanup` can find leftovers. */
export const KW_PREFIX = 'kw-';

/** IFNAMSIZ - 1 (include/uapi/linux/if.h). */
export const IFNAMSIZ_MAX = 15;

const NETNS_DIRS = ['/run/netns/', '/var/run/netns/'];

/** The name of a named namespace reference ('' for the host), or undefined for other paths (/proc/<pid>/ns/net). */
export function netnsNameOf(ref: NetnsRef): string | undefined {
  if (ref === '') return '';
  for (const d of NETNS_DIRS) if (ref.startsWith(d)) return ref.slice(d.length);
  return ref.startsWith('/') ? undefined : ref;
}

/** The CNI_NETNS path of a named namespace. */
export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

/** dev_valid_name(): not empty, at most 15 bytes, not "." or "..", no "/", ":" or whitespace. */
export function checkIfName(name: string): void {
  const why = name === '' ? 'is empty'
    : Buffer.byteLength(name) > IFNAMSIZ_MAX ? `is longer than ${IFNAMSIZ_MAX} characters`
    : name === '.' || name === '..' ? 'is "." or ".."'
    : /[\s/:]/.test(name) ? 'contains "/", ":" or whitespace' : undefined;
  if (why !== undefined) throw new KernelError('invalid', `invalid interface name "${name}": it ${why}`);
}

/** Throws unless a name carries the kw- prefix and fits IFNAMSIZ (names the Linux driver creates in tests and the validator). */
export function checkKwName(name: string): void {
  checkIfName(name);
  if (!name.startsWith(KW_PREFIX)) throw new KernelError('invalid', `"${name}" does not start with "${KW_PREFIX}": kubewire only creates kw- objects`);
}
