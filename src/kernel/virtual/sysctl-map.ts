import type { Netns } from '../../net/index.js';

type ModelledField = keyof Netns['sysctl'];

/**
 * The sysctls src/net models as fields; every other key is kept as text so plugins can read back what they set.
 * A switch rather than a keyed object: the keys plugins pass are freshly built text, and comparing a few lengths
 * and characters costs less than hashing them.
 */
function modelled(key: string): ModelledField | undefined {
  switch (key) {
    case 'net.ipv4.ip_forward': return 'ipForward';
    case 'net.ipv4.conf.all.route_localnet': return 'routeLocalnet';
    case 'net.bridge.bridge-nf-call-iptables': return 'bridgeNfCallIptables';
    default: return undefined;
  }
}

export function normalizeSysctlKey(key: string): string {
  if (!key.includes('/')) return key; // already dotted (what plugins pass)
  return key.replace(/^\/?(proc\/sys\/)?/, '').replaceAll('/', '.');
}

/**
 * Keys that are not modelled, by key and then by namespace name: the keys are few (a CNI ADD sets the same three
 * for every pod), so this needs no map per namespace.
 */
export class SysctlStore {
  private readonly other = new Map<string, Map<string, string>>();

  get(ns: Netns, key: string): string | undefined {
    const k = normalizeSysctlKey(key);
    const field = modelled(k);
    if (field !== undefined) return ns.sysctl[field] ? '1' : '0';
    return this.other.get(k)?.get(ns.name);
  }

  set(ns: Netns, key: string, value: string): void {
    const k = normalizeSysctlKey(key);
    const field = modelled(k);
    if (field !== undefined) {
      ns.sysctl[field] = value.trim() !== '0';
      return;
    }
    let m = this.other.get(k);
    if (m === undefined) this.other.set(k, (m = new Map()));
    m.set(ns.name, value.trim());
  }

  forget(ns: string): void {
    for (const m of this.other.values()) m.delete(ns);
  }
}
