/**
 * Result types per version family, field for field as pkg/types/{020,040,100} marshal them (omitempty everywhere,
 * `ips[].interface` is a pointer so index 0 is kept). Addresses are strings as on the wire: "10.1.0.2/24".
 */

export interface Dns {
  readonly nameservers?: readonly string[];
  readonly domain?: string;
  readonly search?: readonly string[];
  readonly options?: readonly string[];
}

/** types.Route. mtu/advmss/priority/table/scope are spec 1.1.0; Go keeps them through any 040/100 conversion. */
export interface Route {
  readonly dst: string;
  readonly gw?: string;
  readonly mtu?: number;
  readonly advmss?: number;
  readonly priority?: number;
  readonly table?: number;
  readonly scope?: number;
}

// ---- types020: spec 0.1.0 / 0.2.0 ----
export interface IpConfig020 {
  readonly ip: string;
  readonly gateway?: string;
  readonly routes?: readonly Route[];
}
export interface Result020 {
  readonly cniVersion: '0.1.0' | '0.2.0';
  readonly ip4?: IpConfig020;
  readonly ip6?: IpConfig020;
  readonly dns?: Dns;
}

// ---- types040: spec 0.3.0 / 0.3.1 / 0.4.0 ----
export interface Interface040 {
  readonly name: string;
  readonly mac?: string;
  readonly sandbox?: string;
}
export interface IpConfig040 {
  readonly version: '4' | '6';
  readonly interface?: number;
  readonly address: string;
  readonly gateway?: string;
}
export interface Result040 {
  readonly cniVersion: '0.3.0' | '0.3.1' | '0.4.0';
  readonly interfaces?: readonly Interface040[];
  readonly ips?: readonly IpConfig040[];
  readonly routes?: readonly Route[];
  readonly dns?: Dns;
}

// ---- types100: spec 1.0.0 / 1.1.0 (the Go types did not change between them) ----
export interface Interface100 {
  readonly name: string;
  readonly mac?: string;
  readonly mtu?: number;
  readonly sandbox?: string;
  readonly socketPath?: string;
  readonly pciID?: string;
}
export interface IpConfig100 {
  readonly interface?: number;
  readonly address: string;
  readonly gateway?: string;
}
export interface Result100 {
  readonly cniVersion: '1.0.0' | '1.1.0';
  readonly interfaces?: readonly Interface100[];
  readonly ips?: readonly IpConfig100[];
  readonly routes?: readonly Route[];
  readonly dns?: Dns;
}

export type CniResult = Result020 | Result040 | Result100;

export function isResult020(r: CniResult): r is Result020 {
  return r.cniVersion === '0.1.0' || r.cniVersion === '0.2.0';
}
export function isResult040(r: CniResult): r is Result040 {
  return r.cniVersion === '0.3.0' || r.cniVersion === '0.3.1' || r.cniVersion === '0.4.0';
}
export function isResult100(r: CniResult): r is Result100 {
  return r.cniVersion === '1.0.0' || r.cniVersion === '1.1.0';
}

/** The VERSION answer (pkg/version/plugin.go pluginInfo). */
export interface VersionInfo {
  readonly cniVersion: string;
  readonly supportedVersions: readonly string[];
}

/** One still-valid attachment in a GC request (`cni.dev/valid-attachments`). */
export interface GcAttachment {
  readonly containerID: string;
  readonly ifname: string;
}

/**
 * STATUS has no success body: rc 0 and empty stdout means "ready"; otherwise an error object, normally code 50
 * (cannot serve ADD) or 51 (and existing pods may have limited connectivity).
 */
export type StatusAnswer = { readonly ready: true } | { readonly ready: false; readonly code: number; readonly msg: string; readonly details?: string };
