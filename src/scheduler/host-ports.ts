/**
 * Host ports as the NodePorts filter sees them (pkg/scheduler/framework: HostPortInfo): a pod wants
 * "<protocol>/<hostPort>" on an address (0.0.0.0 for all of the node's), and a node holds what its pods want.
 */

/** A port a pod wants on its node's address (hostIP, 0.0.0.0 for all of them). */
export interface HostPort {
  /** "<protocol>/<hostPort>", protocol TCP when not given. */
  readonly key: string;
  readonly ip: string;
}

/** What a node's pods hold: "<protocol>/<port>" → host IP → how many pods hold it. */
export type UsedPorts = Map<string, Map<string, number>>;

const NO_HOST_PORTS: readonly HostPort[] = Object.freeze([]);

/** The containers' host ports (getContainerPorts): a hostPort above 0, hostIP "" → 0.0.0.0. */
export function hostPortsOf(containers: readonly { readonly ports?: readonly { readonly hostPort?: number; readonly hostIP?: string; readonly protocol?: string }[] }[]): readonly HostPort[] {
  let out: HostPort[] | undefined;
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.hostPort === undefined || p.hostPort <= 0) continue;
      (out ??= []).push({ key: `${p.protocol === undefined || p.protocol === '' ? 'TCP' : p.protocol}/${p.hostPort}`, ip: p.hostIP === undefined || p.hostIP === '' ? '0.0.0.0' : p.hostIP });
    }
  }
  return out ?? NO_HOST_PORTS;
}

/**
 * Whether any wanted port is held already (HostPortInfo.CheckConflict): 0.0.0.0 holds a protocol/port on every
 * address, so it conflicts with any holder of that pair; a specific address conflicts with itself and with 0.0.0.0.
 */
export function portsConflict(used: UsedPorts | undefined, wanted: readonly HostPort[]): boolean {
  if (used === undefined) return false;
  for (const want of wanted) {
    const holders = used.get(want.key);
    if (holders === undefined) continue;
    if (want.ip === '0.0.0.0' || holders.has('0.0.0.0') || holders.has(want.ip)) return true;
  }
  return false;
}

/** A node's held ports with one pod's taken (sign 1) or given back (-1); undefined once none is held. */
export function holdPorts(used: UsedPorts | undefined, ports: readonly HostPort[], sign: 1 | -1): UsedPorts | undefined {
  const out = used ?? new Map<string, Map<string, number>>();
  for (const p of ports) {
    let holders = out.get(p.key);
    if (holders === undefined) out.set(p.key, (holders = new Map()));
    const n = (holders.get(p.ip) ?? 0) + sign;
    if (n > 0) holders.set(p.ip, n);
    else holders.delete(p.ip);
    if (holders.size === 0) out.delete(p.key);
  }
  return out.size === 0 ? undefined : out;
}
