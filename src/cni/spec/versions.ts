/**
 * CNI specification versions and what each one defines (SPEC.md at tags spec-v0.1.0 … spec-v1.1.0).
 * The spec version is independent of libcni / plugin release numbers.
 */

export const SPEC_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type SpecVersion = (typeof SPEC_VERSIONS)[number];
/** The highest version this library implements (Go's version.Current()). */
export const CURRENT_VERSION: SpecVersion = '1.1.0';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'GC' | 'STATUS';
export const CNI_COMMANDS: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK', 'VERSION', 'GC', 'STATUS'];

/** Result shape family: types020 (ip4/ip6), types040 (interfaces/ips with version), types100 (no ips[].version). */
export type ResultFamily = '020' | '040' | '100';

export interface VersionFeatures {
  readonly verbs: readonly CniCommand[];
  readonly resultFamily: ResultFamily;
  /** Network configuration lists (conflist, prevResult chaining, capabilities) exist. */
  readonly conflist: boolean;
  /** Single-plugin network configurations are still a spec format (deprecated from 1.0.0). */
  readonly singleConfig: boolean;
  readonly disableCheck: boolean;
  readonly disableGC: boolean;
  readonly cniVersions: boolean;
  readonly loadOnlyInlinedPlugins: boolean;
  /** DEL receives prevResult (the cached ADD result). */
  readonly prevResultOnDel: boolean;
  /** 1.1.0 result fields: interfaces[].mtu/socketPath/pciID, routes[].mtu/advmss/priority/table/scope. */
  readonly result11Fields: boolean;
  /** Error codes the spec text defines at this version. */
  readonly errorCodes: readonly number[];
}

const V01: VersionFeatures = {
  verbs: ['ADD', 'DEL'], resultFamily: '020', conflist: false, singleConfig: true, disableCheck: false, disableGC: false,
  cniVersions: false, loadOnlyInlinedPlugins: false, prevResultOnDel: false, result11Fields: false, errorCodes: [1],
};
const V02: VersionFeatures = { ...V01, verbs: ['ADD', 'DEL', 'VERSION'], errorCodes: [1, 2] };
const V03: VersionFeatures = { ...V02, resultFamily: '040', conflist: true };
const V04: VersionFeatures = {
  ...V03, verbs: ['ADD', 'DEL', 'CHECK', 'VERSION'], disableCheck: true, prevResultOnDel: true, errorCodes: [1, 2, 3, 11],
};
const V10: VersionFeatures = { ...V04, resultFamily: '100', singleConfig: false, errorCodes: [1, 2, 3, 4, 5, 6, 7, 11] };
const V11: VersionFeatures = {
  ...V10, verbs: ['ADD', 'DEL', 'CHECK', 'VERSION', 'GC', 'STATUS'], disableGC: true, cniVersions: true,
  loadOnlyInlinedPlugins: true, result11Fields: true, errorCodes: [1, 2, 3, 4, 5, 6, 7, 11, 50, 51],
};

export const VERSION_FEATURES: Readonly<Record<SpecVersion, VersionFeatures>> = {
  '0.1.0': V01, '0.2.0': V02, '0.3.0': V03, '0.3.1': V03, '0.4.0': V04, '1.0.0': V10, '1.1.0': V11,
};

export function isSpecVersion(v: unknown): v is SpecVersion {
  return typeof v === 'string' && (SPEC_VERSIONS as readonly string[]).includes(v);
}

export function resultFamilyOf(v: SpecVersion): ResultFamily {
  return VERSION_FEATURES[v].resultFamily;
}

/** Minimum version that has a verb (VERSION 0.2.0, CHECK 0.4.0, GC/STATUS 1.1.0). */
export function verbSince(cmd: CniCommand): SpecVersion {
  const v = SPEC_VERSIONS.find((s) => VERSION_FEATURES[s].verbs.includes(cmd));
  return v ?? CURRENT_VERSION;
}

export type ParsedVersion = readonly [major: number, minor: number, micro: number];

/**
 * Go's version.ParseVersion: "" means 0.1.0; up to three dot-separated integers, missing parts are 0
 * ("1" = 1.0.0). Returns the Go error text on failure so messages match real plugins.
 */
export function parseVersion(version: string): ParsedVersion | { readonly error: string } {
  let p = parsedVersions.get(version);
  if (p === undefined) {
    p = parseVersionText(version);
    if (parsedVersions.size >= 256) parsedVersions.clear();
    parsedVersions.set(version, p);
  }
  return p;
}

/** Answers of parseVersion (frozen: shared by every caller); the same few versions are compared on every run. */
const parsedVersions = new Map<string, ParsedVersion | { readonly error: string }>();

function parseVersionText(version: string): ParsedVersion | { readonly error: string } {
  return Object.freeze(parseVersionParts(version));
}

function parseVersionParts(version: string): ParsedVersion | { readonly error: string } {
  if (version === '') return [0, 1, 0];
  const parts = version.split('.');
  if (parts.length >= 4) return { error: `invalid version "${version}": too many parts` };
  const names = ['major', 'minor', 'micro'] as const;
  const out: number[] = [0, 0, 0];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    // strconv.Atoi: optional sign then decimal digits only.
    if (!/^[+-]?\d+$/.test(p) || !Number.isSafeInteger(Number(p))) {
      return { error: `failed to convert ${names[i] ?? 'micro'} version part "${p}": strconv.Atoi: parsing "${p}": invalid syntax` };
    }
    out[i] = Number(p);
  }
  return [out[0] ?? 0, out[1] ?? 0, out[2] ?? 0];
}

function cmp(a: ParsedVersion, b: ParsedVersion): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Compare two version strings Go-style; throws VersionParseError on unparsable input. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if ('error' in pa) throw new VersionParseError(pa.error);
  if ('error' in pb) throw new VersionParseError(pb.error);
  return cmp(pa, pb);
}

export function versionGte(a: string, b: string): boolean {
  return compareVersions(a, b) >= 0;
}

export class VersionParseError extends Error {
  override readonly name = 'VersionParseError';
}

/** Does this (known) version define `cmd`? Unknown but parsable versions are judged by ordering, as skel.go does. */
export function versionHasVerb(v: string, cmd: CniCommand): boolean {
  if (cmd === 'ADD' || cmd === 'DEL') return true;
  return versionGte(v, verbSince(cmd));
}
