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
  /**
   * The keys set in each namespace with the device each belongs to ('' for none), as (device, key) pairs in one
   * exactly sized array: a namespace's or an interface's keys go with it without a walk over every key. One array a
   * namespace, where a map of devices to key lists cost some 400 bytes for every pod's three keys.
   */
  private readonly owned = new Map<string, readonly string[]>();

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
    if (!m.has(ns.name)) this.owned.set(ns.name, (this.owned.get(ns.name) ?? []).concat([interfaceOf(k) ?? '', k]));
    m.set(ns.name, value.trim());
  }

  /** A namespace was deleted: every key it set goes. */
  forget(ns: string): void {
    const pairs = this.owned.get(ns);
    if (pairs === undefined) return;
    this.owned.delete(ns);
    const keys: string[] = [];
    for (let i = 0; i < pairs.length; i += 2) keys.push(pairs[i + 1] ?? '');
    this.drop(ns, keys);
  }

  /**
   * An interface was deleted: its net.ipv4.conf.<dev>.* (and ipv6, and neigh) entries go with it, as the kernel
   * unregisters the device's sysctl directories; a new interface of the same name starts from the defaults.
   */
  forgetInterface(ns: string, dev: string): void {
    const pairs = this.owned.get(ns);
    if (pairs === undefined) return;
    const keys: string[] = [];
    const kept: string[] = [];
    for (let i = 0; i < pairs.length; i += 2) {
      const d = pairs[i] ?? '';
      const k = pairs[i + 1] ?? '';
      if (d === dev) keys.push(k);
      else kept.push(d, k);
    }
    if (keys.length === 0) return;
    if (kept.length === 0) this.owned.delete(ns);
    else this.owned.set(ns, kept.slice());
    this.drop(ns, keys);
  }

  private drop(ns: string, keys: readonly string[]): void {
    for (const k of keys) {
      const m = this.other.get(k);
      if (m === undefined) continue;
      m.delete(ns);
      if (m.size === 0) this.other.delete(k);
    }
  }
}

/** The device a per-interface key names (net.ipv4.conf.eth0.arp_notify → eth0); undefined for all/default and others. */
function interfaceOf(key: string): string | undefined {
  // Read in place (a CNI ADD sets a few such keys per pod): "net.ipv4." or "net.ipv6.", then "conf." or "neigh.".
  if (!key.startsWith('net.ipv') || (key.charCodeAt(7) !== 52 && key.charCodeAt(7) !== 54) || key.charCodeAt(8) !== 46) return undefined;
  const from = key.startsWith('conf.', 9) ? 14 : key.startsWith('neigh.', 9) ? 15 : -1;
  if (from < 0) return undefined;
  const end = key.indexOf('.', from);
  if (end <= from) return undefined;
  const dev = key.slice(from, end);
  return dev === 'all' || dev === 'default' ? undefined : dev;
}
