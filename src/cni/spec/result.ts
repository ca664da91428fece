import { CniError, CniCode } from '../errors.js';
import { ipFamilyOf } from './ip-text.js';
import type { CniResult, Interface100, IpConfig020, IpConfig040, IpConfig100, Result040, Result100, Route } from './result-types.js';
import { isGoShaped, resultJson, type EncodeOptions } from './result-json.js';
import { resultSchema } from './schemas.js';
import type { SchemaObject } from 'ajv';
import { conforms, formatViolations, jsonPathJoin, validateAgainst, type SchemaViolation } from './validate.js';
import { isSpecVersion, resultFamilyOf, type SpecVersion } from './versions.js';

/** Result versions each Go result type accepts when unmarshalling (pkg/types/{020,040,100} supportedVersions). */
const FAMILY_VERSIONS = {
  '020': ['', '0.1.0', '0.2.0'],
  '040': ['0.3.0', '0.3.1', '0.4.0'],
  '100': ['1.0.0', '1.1.0'],
} as const;

function goList(xs: readonly string[]): string {
  return `[${xs.join(' ')}]`;
}

/**
 * Parse a result of version `version` from unknown JSON, as create.Create(version, bytes) does: the version
 * picks the type, then the result's own cniVersion must be one that type accepts. Unknown keys are dropped (Go's
 * decoder ignores them). Throws CniError(6) with JSON paths when a field has the wrong shape.
 */
export function parseResult(json: unknown, version: string, where = '$'): CniResult {
  if (!isSpecVersion(version)) throw new CniError(CniCode.DecodingFailure, `unsupported CNI result version "${version}"`, '', { where });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CniError(CniCode.DecodingFailure, 'a CNI result must be a JSON object', '', { where });
  }
  const fam = resultFamilyOf(version);
  const raw = json as Record<string, unknown>;
  const rv = raw['cniVersion'] ?? '';
  const accepted: readonly string[] = FAMILY_VERSIONS[fam];
  if (typeof rv !== 'string' || !accepted.includes(rv)) {
    const shown = typeof rv === 'string' ? JSON.stringify(rv) : String(rv);
    const list = fam === '020' ? '[ 0.1.0 0.2.0]' : goList(accepted);
    throw new CniError(CniCode.DecodingFailure, `result type supports ${list} but unmarshalled CNIVersion is ${shown}`, '', { where: jsonPathJoin(where, 'cniVersion') });
  }
  // types020 stamps an empty cniVersion with its implemented version, 0.2.0 (GetAsVersion).
  const actual = (rv === '' ? '0.2.0' : rv) as SpecVersion;
  // Already a parse answer for this very version (a cached result read back for DEL): nothing to check or copy.
  if (rv === actual && wasParsed(raw)) return raw as unknown as CniResult;
  // The runtime's sorted copy of such an answer, handed to the next plugin as prevResult: that answer again.
  const original = rv === actual ? copiedFrom(raw) : undefined;
  if (original !== undefined) return original;
  // Validation does not change its input (no defaults, no coercion), so a result already stamped is not copied.
  const withVersion = rv === actual ? raw : { ...raw, cniVersion: actual };
  const schema = (): SchemaObject => resultSchema(actual);
  const vs = conforms(RESULT_KEY[actual], schema, withVersion) ? [] : validateAgainst(RESULT_KEY[actual], schema, withVersion, where);
  if (vs.length > 0) throw new CniError(CniCode.DecodingFailure, `invalid CNI ${actual} result: ${formatViolations(vs)}`, '', { where });
  // resultJson's answers hold only known keys in Go's order: picking them again would give an equal copy.
  const out = withVersion === raw && isGoShaped(raw) ? raw : (pickKnown(withVersion as unknown as CniResult) as unknown as Record<string, unknown>);
  noteParsed(out);
  return out as unknown as CniResult;
}

/**
 * The last values parseResult answered (validated for their own cniVersion, only known keys), by identity: parsing
 * one again, as DEL does with the cached ADD result, returns it as is. Results are readonly values: nobody changes one
 * after parsing it. A short ring of strong references (a WeakSet insert cost more than it saved); a value that has
 * left it is validated and copied again, which gives an equal value.
 */
const RECENT = 16;
const parsed: (object | undefined)[] = new Array<object | undefined>(RECENT).fill(undefined);
let parsedAt = 0;

function noteParsed(v: object): void {
  parsed[parsedAt] = v;
  parsedAt = (parsedAt + 1) % RECENT;
}

function wasParsed(v: object): boolean {
  for (let i = 0; i < RECENT; i++) if (parsed[i] === v) return true;
  return false;
}

/**
 * `copy` is a JSON copy of `original` (same keys, same values): when `original` is a parseResult answer, so is the
 * copy (the memory result cache keeps frozen copies of the results it is given). Says whether it is.
 */
export function sameParseState(copy: object, original: object): boolean {
  if (!wasParsed(original)) return false;
  noteParsed(copy);
  return true;
}

/**
 * `v` is a value parseResult answered earlier (its holder kept track, as the memory result cache does): parsing it
 * again returns it as is.
 */
export function parsedAgain(v: CniResult): void {
  noteParsed(v);
}

/**
 * The request copies (sortedResultJson) the runtime made lately of parse answers, paired with the answer copied. A
 * chained plugin parses its prevResult right after the runtime built it: parsing the copy validates and picks the
 * fields of a value that was validated and picked already, and gives the answer's fields, in Go's order, with the
 * same values. (The copy may add an empty `dns` the answer leaves out: every result printer writes the two alike.)
 */
const COPIES = 8;
const copies: (object | undefined)[] = new Array<object | undefined>(COPIES * 2).fill(undefined);
let copiesAt = 0;

/** `copy` is sortedResultJson(`original`): when `original` is a parse answer, parsing `copy` gives `original`. */
export function noteSortedCopy(copy: object, original: CniResult): void {
  if (!wasParsed(original)) return;
  copies[copiesAt] = copy;
  copies[copiesAt + 1] = original;
  copiesAt = (copiesAt + 2) % (COPIES * 2);
}

function copiedFrom(v: object): CniResult | undefined {
  for (let i = 0; i < COPIES * 2; i += 2) {
    if (copies[i] === v) {
      const original = copies[i + 1] as CniResult;
      // Still the parse answer it was (the ring of answers moves on): the copy carries its version.
      return original.cniVersion === (v as { cniVersion?: unknown }).cniVersion ? original : undefined;
    }
  }
  return undefined;
}

/** Did parseResult answer `v` lately (validated for its own cniVersion, only its version's fields, in Go's order)? */
export function isParsedResult(v: unknown): v is CniResult {
  return typeof v === 'object' && v !== null && wasParsed(v);
}

/** Compiled-validator keys, one constant string per version (not a new string on every parse). */
const RESULT_KEY: Readonly<Record<SpecVersion, string>> = {
  '0.1.0': 'result:0.1.0', '0.2.0': 'result:0.2.0', '0.3.0': 'result:0.3.0', '0.3.1': 'result:0.3.1', '0.4.0': 'result:0.4.0',
  '1.0.0': 'result:1.0.0', '1.1.0': 'result:1.1.0',
};

/** Strict check of a result against its own version's schema plus cross-field rules; empty when conformant. */
export function checkResult(json: unknown, where = '$'): SchemaViolation[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return [{ path: where, message: 'must be a JSON object' }];
  const v = (json as Record<string, unknown>)['cniVersion'];
  if (!isSpecVersion(v)) return [{ path: jsonPathJoin(where, 'cniVersion'), message: `must be a known CNI version, got ${JSON.stringify(v)}` }];
  const vs = validateAgainst(`result-strict:${v}`, () => resultSchema(v, { strict: true }), json, where);
  return vs.length > 0 ? vs : resultSemantics(json as CniResult, where);
}

/** Rules JSON Schema cannot say: interface indexes in range, ips[].version and gateways matching the address family. */
export function resultSemantics(r: CniResult, where = '$'): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  if ('ips' in r && r.ips !== undefined) {
    const nIf = r.interfaces?.length ?? 0;
    r.ips.forEach((ipc, i) => {
      const p = jsonPathJoin(jsonPathJoin(where, 'ips'), i);
      const fam = ipFamilyOf(ipc.address);
      if (ipc.interface !== undefined && ipc.interface >= nIf) {
        out.push({ path: jsonPathJoin(p, 'interface'), message: `index ${ipc.interface} is outside interfaces (length ${nIf})` });
      }
      if ('version' in ipc && ipc.version !== String(fam)) {
        out.push({ path: jsonPathJoin(p, 'version'), message: `is "${String(ipc.version)}" but address ${ipc.address} is IPv${fam}` });
      }
      if (ipc.gateway !== undefined && ipFamilyOf(ipc.gateway) !== fam) {
        out.push({ path: jsonPathJoin(p, 'gateway'), message: `${ipc.gateway} is not in the same family as ${ipc.address}` });
      }
    });
  }
  const routes: [string, readonly Route[] | undefined][] = 'ip4' in r || 'ip6' in r
    ? [['ip4', r.ip4?.routes], ['ip6', r.ip6?.routes]]
    : [['', 'routes' in r ? r.routes : undefined]];
  for (const [k, rs] of routes) {
    rs?.forEach((rt, i) => {
      if (rt.gw !== undefined && ipFamilyOf(rt.gw) !== ipFamilyOf(rt.dst)) {
        const base = k === '' ? jsonPathJoin(where, 'routes') : jsonPathJoin(jsonPathJoin(where, k), 'routes');
        out.push({ path: jsonPathJoin(jsonPathJoin(base, i), 'gw'), message: `${rt.gw} is not in the same family as ${rt.dst}` });
      }
    });
  }
  return out;
}

function pick<T extends object>(o: T, keys: readonly string[]): T {
  const src = o as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (src[k] !== undefined) out[k] = src[k];
  return out as T;
}

const ROUTE_KEYS = ['dst', 'gw', 'mtu', 'advmss', 'priority', 'table', 'scope'];
const DNS_KEYS = ['nameservers', 'domain', 'search', 'options'];

/** Keep only the fields the version's Go type has, in Go's marshal order. */
export function pickKnown(r: CniResult): CniResult {
  const dns = r.dns === undefined ? undefined : pick(r.dns, DNS_KEYS);
  const routes = (rs: readonly Route[] | undefined): Route[] | undefined => rs?.map((x) => pick(x, ROUTE_KEYS));
  if (r.cniVersion === '0.1.0' || r.cniVersion === '0.2.0') {
    const ipc = (c: IpConfig020 | undefined): IpConfig020 | undefined =>
      c === undefined ? undefined : pick({ ip: c.ip, gateway: c.gateway, routes: routes(c.routes) } as IpConfig020, ['ip', 'gateway', 'routes']);
    return pick({ cniVersion: r.cniVersion, ip4: ipc(r.ip4), ip6: ipc(r.ip6), dns } as CniResult, ['cniVersion', 'ip4', 'ip6', 'dns']);
  }
  const is040 = r.cniVersion !== '1.0.0' && r.cniVersion !== '1.1.0';
  const rich = r as Result040 | Result100;
  const ifKeys = is040 ? ['name', 'mac', 'sandbox'] : ['name', 'mac', 'mtu', 'sandbox', 'socketPath', 'pciID'];
  const ipKeys = is040 ? ['version', 'interface', 'address', 'gateway'] : ['interface', 'address', 'gateway'];
  const out = {
    cniVersion: r.cniVersion,
    interfaces: rich.interfaces?.map((x: Interface100) => pick(x, ifKeys)),
    ips: rich.ips?.map((x: IpConfig040 | IpConfig100) => pick(x, ipKeys)),
    routes: routes(rich.routes),
    dns,
  };
  return pick(out as CniResult, ['cniVersion', 'interfaces', 'ips', 'routes', 'dns']);
}

/** Serialize a result exactly as a Go plugin does: field order, omitempty (empty arrays/strings, zero mtu dropped). */
export function encodeResult(r: CniResult, opts: EncodeOptions = {}): string {
  return JSON.stringify(resultJson(r, opts), null, opts.indent ?? 4);
}

export { resultJson, type EncodeOptions };
