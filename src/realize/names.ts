import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { InputError } from '../lib/index.js';
import { IFNAMSIZ_MAX, KW_PREFIX } from '../kernel/index.js';

/**
 * Real object names. Every namespace and every link kubewire creates outside its own namespaces carries a
 * per-cluster prefix `kw-<4 hex>` (derived from the topology's absolute path, so `down <topology>` finds it again),
 * followed by a short role tag: `-sw` the node-network switch, `-n<i>` node i, `-p<i>` pod i, `-x<i>` external host i,
 * `-s<i>` the switch's port towards node/external i. Links inside nodes and pods keep the names the emulator uses
 * (eth0, cni0, flannel.1), since kube-proxy's rules and the traces name them.
 */
export const PREFIX_RE = /^kw-[0-9a-f]{4}$/;

/** `kw-` + the first 4 hex digits of sha256(absolute topology path). */
export function prefixFor(topologyFile: string): string {
  return `${KW_PREFIX}${createHash('sha256').update(resolve(topologyFile)).digest('hex').slice(0, 4)}`;
}

export function checkPrefix(prefix: string): string {
  if (!PREFIX_RE.test(prefix)) throw new InputError('KW_REALIZE_PREFIX', `prefix "${prefix}" must look like kw-1a2b (kw- and 4 lowercase hex digits)`);
  return prefix;
}

export interface RealNames {
  readonly prefix: string;
  readonly switchNs: string;
  /** The bridge inside the switch namespace that stands for the node network's L2 segment. */
  readonly switchBridge: string;
  node(i: number): string;
  pod(i: number): string;
  external(i: number): string;
  /** Switch-side end of the veth to node i (`s<i>`) or external host i (`s<100+i>`). */
  nodePort(i: number): string;
  externalPort(i: number): string;
}

export function realNames(prefix: string): RealNames {
  checkPrefix(prefix);
  const name = (tag: string): string => {
    const n = `${prefix}-${tag}`;
    if (n.length > IFNAMSIZ_MAX) throw new InputError('KW_REALIZE_NAME', `generated name ${n} is longer than ${IFNAMSIZ_MAX} characters`);
    return n;
  };
  return {
    prefix,
    switchNs: name('sw'),
    switchBridge: 'br0',
    node: (i) => name(`n${i}`),
    pod: (i) => name(`p${i}`),
    external: (i) => name(`x${i}`),
    nodePort: (i) => name(`s${i}`),
    externalPort: (i) => name(`s${100 + i}`),
  };
}

/** Whether a real namespace or link name belongs to a cluster prefix (or to any kubewire cluster when prefix is absent). */
export function ownedBy(name: string, prefix?: string): boolean {
  return prefix === undefined ? /^kw-[0-9a-f]{4}-/.test(name) : name.startsWith(`${prefix}-`);
}
