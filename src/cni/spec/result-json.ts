import type { CniResult, Dns } from './result-types.js';
import { DROPPED, sortedClone } from './sorted-json.js';

/**
 * A result as the JSON value a Go plugin marshals (pkg/types/{020,040,100}): only the fields the version's Go type
 * has, in its field order, with omitempty (empty strings and arrays, zero numbers except the pointer fields
 * `interface`, `table` and `scope`). Built in one pass over the result; the same walk with sorted key lists gives
 * what a Go map re-marshal (libcni's InjectConf for prevResult) holds, also without an intermediate copy.
 */

export interface EncodeOptions {
  /**
   * Go's 1.1.x library prints `"dns":{}` when DNS is empty (measured on Debian's plugins); HEAD's types100 omits it.
   * Default 'emit' (what the installed binaries do).
   */
  readonly emptyDns?: 'emit' | 'omit';
  /** 4 = Go's MarshalIndent("", "    ") as plugins print results; 0 = compact (libcni's cache). */
  readonly indent?: 0 | 4;
}

/** Field names per Go type, in the order one walk writes them. */
interface KeyOrder {
  readonly top: readonly string[];
  readonly top020: readonly string[];
  readonly ipc020: readonly string[];
  readonly if040: readonly string[];
  readonly if100: readonly string[];
  readonly ip040: readonly string[];
  readonly ip100: readonly string[];
  readonly route: readonly string[];
  readonly dns: readonly string[];
}

const GO_ORDER: KeyOrder = {
  top: ['cniVersion', 'interfaces', 'ips', 'routes', 'dns'],
  top020: ['cniVersion', 'ip4', 'ip6', 'dns'],
  ipc020: ['ip', 'gateway', 'routes'],
  if040: ['name', 'mac', 'sandbox'],
  if100: ['name', 'mac', 'mtu', 'sandbox', 'socketPath', 'pciID'],
  ip040: ['version', 'interface', 'address', 'gateway'],
  ip100: ['interface', 'address', 'gateway'],
  route: ['dst', 'gw', 'mtu', 'advmss', 'priority', 'table', 'scope'],
  dns: ['nameservers', 'domain', 'search', 'options'],
};

const sorted = (xs: readonly string[]): readonly string[] => [...xs].sort();
const SORTED_ORDER: KeyOrder = {
  top: sorted(GO_ORDER.top), top020: sorted(GO_ORDER.top020), ipc020: sorted(GO_ORDER.ipc020),
  if040: sorted(GO_ORDER.if040), if100: sorted(GO_ORDER.if100), ip040: sorted(GO_ORDER.ip040), ip100: sorted(GO_ORDER.ip100),
  route: sorted(GO_ORDER.route), dns: sorted(GO_ORDER.dns),
};

/** A leaf the sorted walk leaves out (what JSON.stringify writes nothing for). */
const SKIP: unique symbol = Symbol('skip');
type Leaf = (x: unknown) => unknown;

/** Go omitempty below the typed fields (values of unexpected shape are walked as JSON is). */
function omitEmpty(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => omitEmpty(x));
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined || x === '') continue;
    if (x === 0 && k !== 'interface' && k !== 'table' && k !== 'scope') continue;
    if (Array.isArray(x) && x.length === 0) continue;
    out[k] = omitEmpty(x);
  }
  return out;
}

const goLeaf: Leaf = (x) => (typeof x === 'object' && x !== null ? omitEmpty(x) : x);

/** sortedClone of goLeaf(x): plain leaves (strings, finite numbers…) are taken directly. */
const sortedLeaf: Leaf = (x) => {
  if (typeof x === 'string' || typeof x === 'boolean' || x === null) return x;
  if (typeof x === 'number' && Number.isFinite(x)) return x === 0 ? 0 : x;
  const c = sortedClone(goLeaf(x));
  return c === DROPPED ? SKIP : c;
};

/** omitempty for one field: undefined, "", empty arrays and 0 (but for Go's pointer fields) are not written. */
function put(out: Record<string, unknown>, k: string, x: unknown, leaf: Leaf): void {
  if (x === undefined || x === '') return;
  if (x === 0 && k !== 'interface' && k !== 'table' && k !== 'scope') return;
  if (Array.isArray(x) && x.length === 0) return;
  const v = leaf(x);
  if (v !== SKIP) out[k] = v;
}

/** One typed object: its known fields only, each through omitempty. */
function fields(o: unknown, keys: readonly string[], leaf: Leaf): Record<string, unknown> {
  const src = o as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    put(out, k, src[k], leaf);
  }
  return out;
}

/** An array of typed objects (absent or null: not written; empty: dropped by omitempty). */
function list(out: Record<string, unknown>, k: string, xs: unknown, keys: readonly string[], leaf: Leaf): void {
  if (xs === undefined || xs === null) return;
  const a = (xs as readonly unknown[]).map((x) => fields(x, keys, leaf));
  if (a.length > 0) out[k] = a;
}

function isEmptyDns(d: Dns | undefined): boolean {
  return d === undefined || ((d.nameservers?.length ?? 0) === 0 && (d.domain ?? '') === '' && (d.search?.length ?? 0) === 0 && (d.options?.length ?? 0) === 0);
}

function walk(r: CniResult, emptyDns: 'emit' | 'omit' | undefined, ko: KeyOrder, leaf: Leaf): Record<string, unknown> {
  const src = r as unknown as Record<string, unknown>;
  const is020 = r.cniVersion === '0.1.0' || r.cniVersion === '0.2.0';
  const is040 = r.cniVersion !== '1.0.0' && r.cniVersion !== '1.1.0';
  const top = is020 ? ko.top020 : ko.top;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < top.length; i++) {
    const k = top[i] as string;
    if (k === 'cniVersion') put(out, k, r.cniVersion, leaf);
    else if (k === 'dns') {
      // Go's 1.1.x types always write dns (an empty struct is not empty to omitempty); HEAD omits an empty one.
      const empty = isEmptyDns(r.dns);
      if (!(empty && emptyDns === 'omit')) out['dns'] = empty ? {} : fields(r.dns, ko.dns, leaf);
    } else if (k === 'ip4' || k === 'ip6') {
      const c = src[k] as Record<string, unknown> | undefined;
      if (c === undefined) continue;
      const ipc: Record<string, unknown> = {};
      for (const f of ko.ipc020) {
        if (f === 'routes') list(ipc, f, c['routes'], ko.route, leaf);
        else put(ipc, f, c[f], leaf);
      }
      out[k] = ipc;
    } else if (k === 'interfaces') list(out, k, src[k], is040 ? ko.if040 : ko.if100, leaf);
    else if (k === 'ips') list(out, k, src[k], is040 ? ko.ip040 : ko.ip100, leaf);
    else list(out, k, src[k], ko.route, leaf);
  }
  return out;
}

/** Values resultJson built (known keys in Go's order, not yet validated): parseResult keeps them instead of copying. */
const goShaped = new WeakSet<object>();

/** Was `v` built by resultJson (so picking its known keys again would give an equal copy)? */
export function isGoShaped(v: object): boolean {
  return goShaped.has(v);
}

/** The JSON value encodeResult prints (Go's field order and omitempty), for callers that re-marshal it. */
export function resultJson(r: CniResult, opts: Pick<EncodeOptions, 'emptyDns'> = {}): Record<string, unknown> {
  const out = walk(r, opts.emptyDns, GO_ORDER, goLeaf);
  goShaped.add(out);
  return out;
}

/** What sortedClone(resultJson(r, opts)) gives (keys sorted at every level, as a Go map re-marshals them), in one walk. */
export function sortedResultJson(r: CniResult, opts: Pick<EncodeOptions, 'emptyDns'> = {}): Record<string, unknown> {
  return walk(r, opts.emptyDns, SORTED_ORDER, sortedLeaf);
}
