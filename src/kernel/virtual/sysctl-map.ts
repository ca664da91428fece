import type { Netns } from '../../net/index.js';

/** The sysctls src/net models as fields; every other key is kept as text so plugins can read back what they set. */
const MODELLED = {
  'net.ipv4.ip_forward': 'ipForward',
  'net.ipv4.conf.all.route_localnet': 'routeLocalnet',
  'net.bridge.bridge-nf-call-iptables': 'bridgeNfCallIptables',
} as const;

export function normalizeSysctlKey(key: string): string {
  if (!key.includes('/')) return key; // already dotted (what plugins pass)
  return key.replace(/^\/?(proc\/sys\/)?/, '').replaceAll('/', '.');
}

export class SysctlStore {
  private readonly other = new Map<string, Map<string, string>>();

  get(ns: Netns, key: string): string | undefined {
    const k = normalizeSysctlKey(key);
    const field = (MODELLED as Readonly<Record<string, keyof Netns['sysctl']>>)[k];
    if (field !== undefined) return ns.sysctl[field] ? '1' : '0';
    return this.other.get(ns.name)?.get(k);
  }

  set(ns: Netns, key: string, value: string): void {
    const k = normalizeSysctlKey(key);
    const field = (MODELLED as Readonly<Record<string, keyof Netns['sysctl']>>)[k];
    if (field !== undefined) {
      ns.sysctl[field] = value.trim() !== '0';
      return;
    }
    let m = this.other.get(ns.name);
    if (m === undefined) this.other.set(ns.name, (m = new Map()));
    m.set(k, value.trim());
  }

  forget(ns: string): void {
    this.other.delete(ns);
  }
}
