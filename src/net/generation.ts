/**
 * A process-wide count of changes to what names resolve to in any modelled network: a namespace, link or bridge
 * port added or removed, a link object replaced, an address added or removed. The datapath resolves names (a veth's
 * peer, a bridge's ARP answers) to objects once and keeps the answer while this count stands still, so a trace
 * never follows a reference the topology has since dropped. One counter for every Network: a change in one only
 * costs the others a re-resolution, never a wrong answer.
 */
let current = 0;

/** The current topology generation; any answer cached at another generation must be resolved again. */
export function topologyGeneration(): number {
  return current;
}

/** Records a change that cached resolutions may depend on. */
export function bumpTopology(): void {
  current++;
}

/**
 * A Map whose writes bump the topology generation: the namespace and link tables are public Maps, which the kernel
 * driver and the cluster's pod wiring change directly.
 */
export class VersionedMap<K, V> extends Map<K, V> {
  override set(key: K, value: V): this {
    current++;
    return super.set(key, value);
  }
  override delete(key: K): boolean {
    current++;
    return super.delete(key);
  }
  override clear(): void {
    current++;
    super.clear();
  }
}

/** A Set whose writes bump the topology generation (a bridge's ports). */
export class VersionedSet<T> extends Set<T> {
  override add(value: T): this {
    current++;
    return super.add(value);
  }
  override delete(value: T): boolean {
    current++;
    return super.delete(value);
  }
  override clear(): void {
    current++;
    super.clear();
  }
}
