import type { PathState } from '../hooks.js';

/** Beyond this many layers a lookup would walk too far: the layers are folded into one Map. */
const MAX_DEPTH = 8;

/**
 * A path-state key as a unique object (one per key text, see stateKeyOf), which layers compare by identity. Comparing
 * the key strings read both strings at every hook of a trace, one of them the key of another namespace (built when
 * the cluster was), and a key built by a template literal is a rope that === walks in the runtime.
 */
export class StateKey {
  constructor(readonly name: string) {}
}

/** One StateKey per key text, ever (a namespace's key: a few thousand at most). */
const STATE_KEYS = new Map<string, StateKey>();

/** The StateKey of `name`: the same object for the same text. */
export function stateKeyOf(name: string): StateKey {
  let k = STATE_KEYS.get(name);
  if (k === undefined) {
    k = new StateKey(name);
    STATE_KEYS.set(name, k);
  }
  return k;
}

/**
 * A path state with one key set over another (copy-on-write without the copy). Netfilter
 * replaces its own entry several times per packet (conntrack, NAT, confirmation); copying the
 * whole Map each time cost more than the rest of the hook. Reads walk the few layers; anything
 * that iterates gets a Map folded once and cached. Insertion order is Map's: a key keeps the
 * place of its first insertion.
 */
export class PathStateLayer implements ReadonlyMap<string, unknown> {
  /**
   * The key this layer sets, as its StateKey. Only compared by identity on a trace's way: reading the object (its
   * name, even its type) would load another namespace's key from memory at every hook.
   */
  private declare readonly id: StateKey;
  declare readonly value: unknown;
  private declare readonly parent: PathState | undefined;
  private declare readonly depth: number;
  private declare folded: Map<string, unknown> | undefined;

  // Declared fields, assigned here (see ConntrackTable's note in conntrack.ts).
  private constructor(id: StateKey, value: unknown, parent: PathState | undefined, depth: number) {
    this.id = id;
    this.value = value;
    this.parent = parent;
    this.depth = depth;
    this.folded = undefined;
  }

  /** The key this layer sets. */
  get key(): string {
    return this.id.name;
  }

  /** The state this layer sets its key over. */
  get parentState(): PathState | undefined {
    return this.parent;
  }

  /** `base` with `key` set to `value`. */
  static with(base: PathState | undefined, key: string, value: unknown): PathState {
    return PathStateLayer.withKey(base, stateKeyOf(key), value);
  }

  /** `base` with `key` set to `value` (PathStateLayer.with by StateKey, as a namespace's handlers hold it). */
  static withKey(base: PathState | undefined, key: StateKey, value: unknown): PathState {
    // Setting the key the top layer sets replaces that layer (the key keeps its place in the order either way:
    // its first insertion is at or below the top), so a handler updating its own state hook after hook does not
    // deepen every other handler's lookups.
    if (base instanceof PathStateLayer && base.id === key) return new PathStateLayer(key, value, base.parent, base.depth);
    const depth = base instanceof PathStateLayer ? base.depth + 1 : 1;
    if (depth <= MAX_DEPTH) return new PathStateLayer(key, value, base, depth);
    const m = foldLayers(base);
    m.set(key.name, value);
    return new PathStateLayer(key, value, m, 1);
  }

  /** `state.get(key.name)`, comparing the layers' keys by identity. */
  static read(state: PathState | undefined, key: StateKey): unknown {
    let t: PathState | undefined = state;
    while (t instanceof PathStateLayer) {
      if (t.id === key) return t.value;
      t = t.parent;
    }
    return t?.get(key.name);
  }

  get(key: string): unknown {
    // Walk the layers without recursion; a plain Map (or any other ReadonlyMap) ends the walk.
    let t: PathState | undefined = this;
    while (t instanceof PathStateLayer) {
      if (t.key === key) return t.value;
      t = t.parent;
    }
    return t?.get(key);
  }

  has(key: string): boolean {
    let t: PathState | undefined = this;
    while (t instanceof PathStateLayer) {
      if (t.key === key) return true;
      t = t.parent;
    }
    return t?.has(key) ?? false;
  }

  private fold(): Map<string, unknown> {
    if (this.folded === undefined) this.folded = foldLayers(this);
    return this.folded;
  }

  get size(): number {
    return this.fold().size;
  }

  forEach(fn: (value: unknown, key: string, map: ReadonlyMap<string, unknown>) => void, thisArg?: unknown): void {
    this.fold().forEach((v, k) => fn.call(thisArg, v, k, this));
  }

  entries(): MapIterator<[string, unknown]> {
    return this.fold().entries();
  }

  keys(): MapIterator<string> {
    return this.fold().keys();
  }

  values(): MapIterator<unknown> {
    return this.fold().values();
  }

  [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.fold().entries();
  }
}

/**
 * One Map with every key of `state`, in Map insertion order. Walks the layers once, oldest
 * first; iterating a layer instead would fold each layer below it into a Map of its own.
 */
function foldLayers(state: PathState | undefined): Map<string, unknown> {
  const layers: PathStateLayer[] = [];
  let t = state;
  for (; t instanceof PathStateLayer; t = t.parentState) layers.push(t);
  const m = new Map(t ?? []);
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    if (l !== undefined) m.set(l.key, l.value);
  }
  return m;
}
