import { deepFreeze } from '../../lib/index.js';
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

/** A leaf the sorted walk leaves out (what JSON.stringify writes nothing for). */
const SKIP: unique symbol = Symbol('skip');
type Obj = Record<string, unknown>;

/** Go omitempty below the typed fields (values of unexpected shape are walked as JSON is). */
function omitEmpty(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => omitEmpty(x));
  if (typeof v !== 'object' || v === null) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined || x === '') continue;
    if (x === 0 && k !== 'interface' && k !== 'table' && k !== 'scope') continue;
    if (Array.isArray(x) && x.length === 0) continue;
    out[k] = omitEmpty(x);
  }
  return out;
}

/** What a walk builds: Go's marshalled value, the same with sorted keys, or a frozen JSON copy (every set field kept). */
type Mode = 0 | 1 | 2;
const GO: Mode = 0;
const SORTED: Mode = 1;
const COPY: Mode = 2;

/** omitempty keeps the field: not undefined, "", 0 or an empty array (a copy keeps every field that is set). */
function keep(x: unknown, m: Mode): boolean {
  if (m === COPY) return x !== undefined;
  return x !== undefined && x !== '' && x !== 0 && !(Array.isArray(x) && x.length === 0);
}
/** The same for Go's pointer fields (`interface`, `table`, `scope`): 0 is written. */
function keepPtr(x: unknown, m: Mode): boolean {
  if (m === COPY) return x !== undefined;
  return x !== undefined && x !== '' && !(Array.isArray(x) && x.length === 0);
}

/**
 * A field's value: plain values as they are (-0 becomes 0 where the value stands for text, as JSON gives it);
 * anything else through omitempty, and then sortedClone for the sorted form, or as JSON.parse(JSON.stringify(x)),
 * frozen, for a copy. SKIP: a value JSON writes nothing for.
 */
function leaf(x: unknown, m: Mode): unknown {
  if (typeof x === 'string' || typeof x === 'boolean' || x === null) return x;
  if (typeof x === 'number' && Number.isFinite(x)) return m !== GO && x === 0 ? 0 : x;
  if (m === COPY) return frozenJsonCopy(x);
  const v = typeof x === 'object' && x !== null ? omitEmpty(x) : x;
  if (m === GO) return v;
  const c = sortedClone(v);
  return c === DROPPED ? SKIP : c;
}

/** JSON.parse(JSON.stringify(x)), deep-frozen (a list of strings, as DNS fields hold, is copied directly). */
function frozenJsonCopy(x: unknown): unknown {
  if (Array.isArray(x) && x.every((e) => typeof e === 'string')) return Object.freeze(x.slice());
  const text = JSON.stringify(x) as string | undefined;
  return text === undefined ? SKIP : deepFreeze(JSON.parse(text) as unknown);
}

// One function per Go type, each field written by name (fields are set at their own sites, so every object is built
// along one fixed path instead of through a shared keyed store), in Go's field order or in sorted order.
function route(x: Obj, m: Mode): Obj {
  const o: Obj = {};
  let t: unknown;
  let v: unknown;
  if (m === SORTED) {
    if (keep((t = x['advmss']), m) && (v = leaf(t, m)) !== SKIP) o['advmss'] = v;
    if (keep((t = x['dst']), m) && (v = leaf(t, m)) !== SKIP) o['dst'] = v;
    if (keep((t = x['gw']), m) && (v = leaf(t, m)) !== SKIP) o['gw'] = v;
    if (keep((t = x['mtu']), m) && (v = leaf(t, m)) !== SKIP) o['mtu'] = v;
    if (keep((t = x['priority']), m) && (v = leaf(t, m)) !== SKIP) o['priority'] = v;
    if (keepPtr((t = x['scope']), m) && (v = leaf(t, m)) !== SKIP) o['scope'] = v;
    if (keepPtr((t = x['table']), m) && (v = leaf(t, m)) !== SKIP) o['table'] = v;
    return o;
  }
  if (keep((t = x['dst']), m) && (v = leaf(t, m)) !== SKIP) o['dst'] = v;
  if (keep((t = x['gw']), m) && (v = leaf(t, m)) !== SKIP) o['gw'] = v;
  if (keep((t = x['mtu']), m) && (v = leaf(t, m)) !== SKIP) o['mtu'] = v;
  if (keep((t = x['advmss']), m) && (v = leaf(t, m)) !== SKIP) o['advmss'] = v;
  if (keep((t = x['priority']), m) && (v = leaf(t, m)) !== SKIP) o['priority'] = v;
  if (keepPtr((t = x['table']), m) && (v = leaf(t, m)) !== SKIP) o['table'] = v;
  if (keepPtr((t = x['scope']), m) && (v = leaf(t, m)) !== SKIP) o['scope'] = v;
  return m === COPY ? Object.freeze(o) : o;
}

function ip100(x: Obj, m: Mode): Obj {
  const o: Obj = {};
  let t: unknown;
  let v: unknown;
  if (m === SORTED) {
    if (keep((t = x['address']), m) && (v = leaf(t, m)) !== SKIP) o['address'] = v;
    if (keep((t = x['gateway']), m) && (v = leaf(t, m)) !== SKIP) o['gateway'] = v;
    if (keepPtr((t = x['interface']), m) && (v = leaf(t, m)) !== SKIP) o['interface'] = v;
    return o;
  }
  if (keepPtr((t = x['interface']), m) && (v = leaf(t, m)) !== SKIP) o['interface'] = v;
  if (keep((t = x['address']), m) && (v = leaf(t, m)) !== SKIP) o['address'] = v;
  if (keep((t = x['gateway']), m) && (v = leaf(t, m)) !== SKIP) o['gateway'] = v;
  return m === COPY ? Object.freeze(o) : o;
}

function ip040(x: Obj, m: Mode): Obj {
  const o: Obj = {};
  let t: unknown;
  let v: unknown;
  if (m === SORTED) {
    if (keep((t = x['address']), m) && (v = leaf(t, m)) !== SKIP) o['address'] = v;
    if (keep((t = x['gateway']), m) && (v = leaf(t, m)) !== SKIP) o['gateway'] = v;
    if (keepPtr((t = x['interface']), m) && (v = leaf(t, m)) !== SKIP) o['interface'] = v;
    if (keep((t = x['version']), m) && (v = leaf(t, m)) !== SKIP) o['version'] = v;
    return o;
  }
  if (keep((t = x['version']), m) && (v = leaf(t, m)) !== SKIP) o['version'] = v;
  if (keepPtr((t = x['interface']), m) && (v = leaf(t, m)) !== SKIP) o['interface'] = v;
  if (keep((t = x['address']), m) && (v = leaf(t, m)) !== SKIP) o['address'] = v;
  if (keep((t = x['gateway']), m) && (v = leaf(t, m)) !== SKIP) o['gateway'] = v;
  return m === COPY ? Object.freeze(o) : o;
}

function if100(x: Obj, m: Mode): Obj {
  const o: Obj = {};
  let t: unknown;
  let v: unknown;
  if (m === SORTED) {
    if (keep((t = x['mac']), m) && (v = leaf(t, m)) !== SKIP) o['mac'] = v;
    if (keep((t = x['mtu']), m) && (v = leaf(t, m)) !== SKIP) o['mtu'] = v;
    if (keep((t = x['name']), m) && (v = leaf(t, m)) !== SKIP) o['name'] = v;
    if (keep((t = x['pciID']), m) && (v = leaf(t, m)) !== SKIP) o['pciID'] = v;
    if (keep((t = x['sandbox']), m) && (v = leaf(t, m)) !== SKIP) o['sandbox'] = v;
    if (keep((t = x['socketPath']), m) && (v = leaf(t, m)) !== SKIP) o['socketPath'] = v;
    return o;
  }
  if (keep((t = x['name']), m) && (v = leaf(t, m)) !== SKIP) o['name'] = v;
  if (keep((t = x['mac']), m) && (v = leaf(t, m)) !== SKIP) o['mac'] = v;
  if (keep((t = x['mtu']), m) && (v = leaf(t, m)) !== SKIP) o['mtu'] = v;
  if (keep((t = x['sandbox']), m) && (v = leaf(t, m)) !== SKIP) o['sandbox'] = v;
  if (keep((t = x['socketPath']), m) && (v = leaf(t, m)) !== SKIP) o['socketPath'] = v;
  if (keep((t = x['pciID']), m) && (v = leaf(t, m)) !== SKIP) o['pciID'] = v;
  return m === COPY ? Object.freeze(o) : o;
}

function if040(x: Obj, m: Mode): Obj {
  const o: Obj = {};
  let t: unknown;
  let v: unknown;
  if (m === SORTED) {
    if (keep((t = x['mac']), m) && (v = leaf(t, m)) !== SKIP) o['mac'] = v;
    if (keep((t = x['name']), m) && (v = leaf(t, m)) !== SKIP) o['name'] = v;
    if (keep((t = x['sandbox']), m) && (v = leaf(t, m)) !== SKIP) o['sandbox'] = v;
    return o;
  }
  if (keep((t = x['name']), m) && (v = leaf(t, m)) !== SKIP) o['name'] = v;
  if (keep((t = x['mac']), m) && (v = leaf(t, m)) !== SKIP) o['mac'] = v;
  if (keep((t = x['sandbox']), m) && (v = leaf(t, m)) !== SKIP) o['sandbox'] = v;
  return m === COPY ? Object.freeze(o) : o;
}

function dns(x: Obj, m: Mode): Obj {
  const o: Obj = {};
  let t: unknown;
  let v: unknown;
  if (m === SORTED) {
    if (keep((t = x['domain']), m) && (v = leaf(t, m)) !== SKIP) o['domain'] = v;
    if (keep((t = x['nameservers']), m) && (v = leaf(t, m)) !== SKIP) o['nameservers'] = v;
    if (keep((t = x['options']), m) && (v = leaf(t, m)) !== SKIP) o['options'] = v;
    if (keep((t = x['search']), m) && (v = leaf(t, m)) !== SKIP) o['search'] = v;
    return o;
  }
  if (keep((t = x['nameservers']), m) && (v = leaf(t, m)) !== SKIP) o['nameservers'] = v;
  if (keep((t = x['domain']), m) && (v = leaf(t, m)) !== SKIP) o['domain'] = v;
  if (keep((t = x['search']), m) && (v = leaf(t, m)) !== SKIP) o['search'] = v;
  if (keep((t = x['options']), m) && (v = leaf(t, m)) !== SKIP) o['options'] = v;
  return m === COPY ? Object.freeze(o) : o;
}

/** An array of typed objects: absent is not written; null or empty is dropped by omitempty (a copy keeps both). */
function list(xs: unknown, f: (x: Obj, m: Mode) => Obj, m: Mode): readonly Obj[] | null | undefined {
  if (xs === undefined) return undefined;
  if (xs === null) return m === COPY ? null : undefined;
  const src = xs as readonly Obj[];
  const a = new Array<Obj>(src.length);
  for (let i = 0; i < src.length; i++) a[i] = f(src[i] as Obj, m);
  if (m === COPY) return Object.freeze(a);
  return a.length > 0 ? a : undefined;
}

function ipc020(c: Obj, m: Mode): Obj {
  const o: Obj = {};
  let t: unknown;
  let v: unknown;
  const routes = list(c['routes'], route, m);
  if (m === SORTED) {
    if (keep((t = c['gateway']), m) && (v = leaf(t, m)) !== SKIP) o['gateway'] = v;
    if (keep((t = c['ip']), m) && (v = leaf(t, m)) !== SKIP) o['ip'] = v;
    if (routes !== undefined) o['routes'] = routes;
    return o;
  }
  if (keep((t = c['ip']), m) && (v = leaf(t, m)) !== SKIP) o['ip'] = v;
  if (keep((t = c['gateway']), m) && (v = leaf(t, m)) !== SKIP) o['gateway'] = v;
  if (routes !== undefined) o['routes'] = routes;
  return m === COPY ? Object.freeze(o) : o;
}

function isEmptyDns(d: Dns | undefined): boolean {
  return d === undefined || ((d.nameservers?.length ?? 0) === 0 && (d.domain ?? '') === '' && (d.search?.length ?? 0) === 0 && (d.options?.length ?? 0) === 0);
}

function walk(r: CniResult, emptyDns: 'emit' | 'omit' | undefined, m: Mode): Obj {
  const src = r as unknown as Obj;
  const out: Obj = {};
  let v: unknown;
  const version = r.cniVersion as unknown;
  if (keep(version, m) && (v = leaf(version, m)) !== SKIP) out['cniVersion'] = v;
  let d: Obj | undefined;
  if (m === COPY) d = r.dns === undefined ? undefined : dns(r.dns as Obj, m);
  else {
    // Go's 1.1.x types always write dns (an empty struct is not empty to omitempty); HEAD omits an empty one.
    const empty = isEmptyDns(r.dns);
    d = empty && emptyDns === 'omit' ? undefined : empty ? {} : dns(r.dns as Obj, m);
  }
  if (m === SORTED && d !== undefined) out['dns'] = d;
  if (r.cniVersion === '0.1.0' || r.cniVersion === '0.2.0') {
    const ip4 = src['ip4'];
    const ip6 = src['ip6'];
    if (ip4 !== undefined) out['ip4'] = ipc020(ip4 as Obj, m);
    if (ip6 !== undefined) out['ip6'] = ipc020(ip6 as Obj, m);
  } else {
    const is040 = r.cniVersion !== '1.0.0' && r.cniVersion !== '1.1.0';
    const ifs = list(src['interfaces'], is040 ? if040 : if100, m);
    const ips = list(src['ips'], is040 ? ip040 : ip100, m);
    const routes = list(src['routes'], route, m);
    if (ifs !== undefined) out['interfaces'] = ifs;
    if (ips !== undefined) out['ips'] = ips;
    if (routes !== undefined) out['routes'] = routes;
  }
  if (m !== SORTED && d !== undefined) out['dns'] = d;
  return m === COPY ? Object.freeze(out) : out;
}

/**
 * The last values resultJson built (known keys in Go's order, not yet validated), by identity: parseResult keeps one
 * instead of copying it. A plugin's printed result is parsed right after it is built, so a short ring of strong
 * references serves (a WeakSet insert cost more than the copy it saved); a value that has left the ring is copied,
 * which gives an equal value.
 */
const RECENT = 8;
const goShaped: (object | undefined)[] = new Array<object | undefined>(RECENT).fill(undefined);
let goShapedAt = 0;

/** Was `v` built by resultJson lately (so picking its known keys again would give an equal copy)? */
export function isGoShaped(v: object): boolean {
  for (let i = 0; i < RECENT; i++) if (goShaped[i] === v) return true;
  return false;
}

/** The JSON value encodeResult prints (Go's field order and omitempty), for callers that re-marshal it. */
export function resultJson(r: CniResult, opts: Pick<EncodeOptions, 'emptyDns'> = {}): Record<string, unknown> {
  const out = walk(r, opts.emptyDns, GO);
  goShaped[goShapedAt] = out;
  goShapedAt = (goShapedAt + 1) % RECENT;
  return out;
}

/** What sortedClone(resultJson(r, opts)) gives (keys sorted at every level, as a Go map re-marshals them), in one walk. */
export function sortedResultJson(r: CniResult, opts: Pick<EncodeOptions, 'emptyDns'> = {}): Record<string, unknown> {
  return walk(r, opts.emptyDns, SORTED);
}

/**
 * A frozen deep copy of a result parseResult answered, equal to JSON.parse(JSON.stringify(r)) deep-frozen: such a
 * result holds only its version's fields in Go's order, so one typed walk copies it (the memory result cache's copy).
 */
export function frozenResultCopy(r: CniResult): CniResult {
  return walk(r, undefined, COPY) as unknown as CniResult;
}
