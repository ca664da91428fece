import { CniCode, CniError } from '../errors.js';
import { ipFamilyOf } from './ip-text.js';
import type { CniResult, Interface040, Interface100, IpConfig020, IpConfig040, IpConfig100, Result020, Result040, Result100, Route } from './result-types.js';
import { isSpecVersion, type SpecVersion } from './versions.js';

/**
 * Result conversion between spec versions, after libcni's converter registry (pkg/types/internal/convert.go):
 * each converter is registered for one source version and a list of target versions; a missing pair is an error
 * ("no converter for CNI result version X to Y"). Down-converting to 0.1.0/0.2.0 keeps only the first address of
 * each family and fails with "cannot convert: no valid IP addresses" when there is none (cni#578, plugins#381).
 */

type V020 = Result020['cniVersion'];
type V040 = Result040['cniVersion'];
type V100 = Result100['cniVersion'];
type ConvertFn = (from: CniResult, to: SpecVersion) => CniResult;

interface Converter {
  readonly from: SpecVersion;
  readonly to: readonly SpecVersion[];
  readonly fn: ConvertFn;
}

const copyRoute = (r: Route): Route => ({ ...r });
const copyDns = (r: CniResult): Pick<CniResult, 'dns'> => (r.dns === undefined ? {} : { dns: { ...r.dns } });

function from02x(from: CniResult, to: SpecVersion): Result040 {
  const r = from as Result020;
  const ips: IpConfig040[] = [];
  const routes: Route[] = [];
  const add = (c: IpConfig020 | undefined, version: '4' | '6'): void => {
    if (c === undefined) return;
    ips.push({ version, address: c.ip, ...(c.gateway === undefined ? {} : { gateway: c.gateway }) });
    for (const rt of c.routes ?? []) routes.push(copyRoute(rt));
  };
  add(r.ip4, '4');
  add(r.ip6, '6');
  return { cniVersion: to as V040, ...(ips.length > 0 ? { ips } : {}), ...(routes.length > 0 ? { routes } : {}), ...copyDns(r) };
}

function internal040(from: CniResult, to: SpecVersion): Result040 {
  const r = from as Result040;
  return { ...structuredClone(r), cniVersion: to as V040 };
}

function to02x(from: CniResult, to: SpecVersion): Result020 {
  const r = from as Result040;
  let ip4: { ip: string; gateway?: string; routes?: Route[] } | undefined;
  let ip6: typeof ip4;
  for (const ipc of r.ips ?? []) {
    // Keyed on the `version` field as Go does, not on the address text.
    const c = { ip: ipc.address, ...(ipc.gateway === undefined ? {} : { gateway: ipc.gateway }) };
    if (ipc.version === '4' && ip4 === undefined) ip4 = c;
    else if (ipc.version === '6' && ip6 === undefined) ip6 = c;
    if (ip4 !== undefined && ip6 !== undefined) break;
  }
  for (const rt of r.routes ?? []) {
    // 0.2.0 routes carry only dst and gw; the family comes from dst; routes of a family with no IP are dropped.
    const target = ipFamilyOf(rt.dst) === 4 ? ip4 : ip6;
    if (target === undefined) continue;
    (target.routes ??= []).push({ dst: rt.dst, ...(rt.gw === undefined ? {} : { gw: rt.gw }) });
  }
  if (ip4 === undefined && ip6 === undefined) throw new CniError(CniCode.Internal, 'cannot convert: no valid IP addresses');
  return { cniVersion: to as V020, ...(ip4 === undefined ? {} : { ip4 }), ...(ip6 === undefined ? {} : { ip6 }), ...copyDns(r) };
}

function from04x(from: CniResult, to: SpecVersion): Result100 {
  const r = from as Result040;
  const interfaces = r.interfaces?.map((i): Interface100 => ({ ...i }));
  const ips = r.ips?.map(({ version: _v, ...rest }): IpConfig100 => rest);
  const routes = r.routes?.map(copyRoute);
  return {
    cniVersion: to as V100,
    ...(interfaces === undefined ? {} : { interfaces }),
    ...(ips === undefined ? {} : { ips }),
    ...(routes === undefined || routes.length === 0 ? {} : { routes }),
    ...copyDns(r),
  };
}

function to04x(from: CniResult, to: SpecVersion): Result040 {
  const r = from as Result100;
  // 1.1.0 interface fields have no place in types040; routes keep their 1.1.0 fields (types.Route is shared).
  const interfaces = r.interfaces?.map(({ name, mac, sandbox }): Interface040 => ({ name, ...(mac === undefined ? {} : { mac }), ...(sandbox === undefined ? {} : { sandbox }) }));
  const ips = r.ips?.map((c): IpConfig040 => ({ version: ipFamilyOf(c.address) === 4 ? '4' : '6', ...c }));
  const routes = r.routes?.map(copyRoute);
  return {
    cniVersion: to as V040,
    ...(interfaces === undefined ? {} : { interfaces }),
    ...(ips === undefined ? {} : { ips }),
    ...(routes === undefined || routes.length === 0 ? {} : { routes }),
    ...copyDns(r),
  };
}

const from02xTo100: ConvertFn = (f, to) => from04x(from02x(f, '0.4.0'), to);
const from100To02x: ConvertFn = (f, to) => to02x(to04x(f, '0.4.0'), to);
const from100: ConvertFn = (f, to) => ({ ...structuredClone(f as Result100), cniVersion: to as V100 });
const within020: ConvertFn = (f, to) => ({ ...structuredClone(f as Result020), cniVersion: to as V020 });

/** The same table Go builds in the init() functions of types020, types040 and types100. */
const REGISTRY: readonly Converter[] = [
  { from: '0.1.0', to: ['0.2.0'], fn: within020 },
  { from: '0.2.0', to: ['0.1.0'], fn: within020 },
  { from: '0.1.0', to: ['0.3.0', '0.3.1', '0.4.0'], fn: from02x },
  { from: '0.2.0', to: ['0.3.0', '0.3.1', '0.4.0'], fn: from02x },
  { from: '0.3.0', to: ['0.3.0', '0.3.1', '0.4.0'], fn: internal040 },
  { from: '0.3.1', to: ['0.3.0', '0.3.1', '0.4.0'], fn: internal040 },
  { from: '0.4.0', to: ['0.3.0', '0.3.1'], fn: internal040 },
  { from: '0.4.0', to: ['0.1.0', '0.2.0'], fn: to02x },
  { from: '0.3.1', to: ['0.1.0', '0.2.0'], fn: to02x },
  { from: '0.3.0', to: ['0.1.0', '0.2.0'], fn: to02x },
  { from: '0.1.0', to: ['1.0.0', '1.1.0'], fn: from02xTo100 },
  { from: '0.2.0', to: ['1.0.0', '1.1.0'], fn: from02xTo100 },
  { from: '0.3.0', to: ['1.0.0', '1.1.0'], fn: from04x },
  { from: '0.3.1', to: ['1.0.0', '1.1.0'], fn: from04x },
  { from: '0.4.0', to: ['1.0.0', '1.1.0'], fn: from04x },
  { from: '1.0.0', to: ['1.1.0'], fn: from100 },
  { from: '1.0.0', to: ['0.3.0', '0.3.1', '0.4.0'], fn: to04x },
  { from: '1.0.0', to: ['0.1.0', '0.2.0'], fn: from100To02x },
  { from: '1.1.0', to: ['0.3.0', '0.3.1', '0.4.0'], fn: to04x },
  { from: '1.1.0', to: ['0.1.0', '0.2.0'], fn: from100To02x },
  { from: '1.1.0', to: ['1.0.0'], fn: from100 },
];

/** Can `from` be converted to `to` at all (ignoring the content-dependent 0.2.0 failure)? */
export function hasConverter(from: string, to: string): boolean {
  return from === to || REGISTRY.some((c) => c.from === from && (c.to as readonly string[]).includes(to));
}

/**
 * Convert a result to `toVersion` (Go's Result.GetAsVersion). Same version returns the input unchanged.
 * Throws CniError(999) for an unknown pair or an impossible down-conversion, with Go's message text.
 */
export function convertResult(result: CniResult, toVersion: string): CniResult {
  if (result.cniVersion === toVersion) return result;
  const c = isSpecVersion(toVersion) ? REGISTRY.find((x) => x.from === result.cniVersion && x.to.includes(toVersion)) : undefined;
  if (c === undefined || !isSpecVersion(toVersion)) {
    throw new CniError(CniCode.Internal, `no converter for CNI result version ${result.cniVersion} to ${toVersion}`);
  }
  return c.fn(result, toVersion);
}
