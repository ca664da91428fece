import type { Dns, GcAttachment } from './result-types.js';

/** A JSON value as read from a config file or stdin: plugin-specific keys are kept as this. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [k: string]: JsonValue };
export type JsonObject = { readonly [k: string]: JsonValue };

/**
 * A plugin configuration object inside a conflist (SPEC.md §1 "Plugin configuration objects"). Only `type` is
 * required; every other key is passed through to the plugin untouched.
 */
export interface PluginConfObject extends JsonObject {
  readonly type: string;
}

/** Well-known optional keys of a plugin configuration (ipMasq, ipam, dns) and the protocol keys. */
export interface WellKnownPluginKeys {
  readonly type: string;
  readonly capabilities?: Readonly<Record<string, boolean>>;
  readonly ipMasq?: boolean;
  readonly ipam?: { readonly type?: string } & JsonObject;
  readonly dns?: Dns;
}

/** A network configuration list after parsing (libcni NetworkConfigList). */
export interface NetworkConfigList {
  readonly name: string;
  /** The version the runtime will use: the highest of cniVersion ∪ cniVersions ≤ 1.1.0 (libcni conf.go). "0.1.0" when absent. */
  readonly cniVersion: string;
  /** As written in the file, for lint and for the cache (libcni caches the list's bytes). */
  readonly declaredCniVersion: string | undefined;
  readonly cniVersions: readonly string[] | undefined;
  readonly disableCheck: boolean;
  readonly disableGC: boolean;
  readonly loadOnlyInlinedPlugins: boolean;
  readonly plugins: readonly PluginConfObject[];
  /** The exact bytes (UTF-8 text) the list was loaded from, or its JSON when built from an object. */
  readonly bytes: string;
  /** The file it came from, when loaded from disk (for messages). */
  readonly source?: string;
}

/**
 * The request config a runtime sends a plugin (SPEC.md §3 "Deriving request configuration"): the plugin object plus
 * `cniVersion`, `name`, and per verb `runtimeConfig`, `prevResult` or `cni.dev/valid-attachments`.
 */
export interface PluginRequestConfig extends JsonObject {
  readonly cniVersion: string;
  readonly name: string;
  readonly type: string;
}

/**
 * Capability args a runtime may supply (CONVENTIONS.md). A plugin receives under runtimeConfig only those it
 * declared in `capabilities` with value true.
 */
export interface PortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: string;
  readonly hostIP?: string;
}
export interface IpRange {
  readonly subnet: string;
  readonly rangeStart?: string;
  readonly rangeEnd?: string;
  readonly gateway?: string;
}
export interface BandwidthEntry {
  readonly ingressRate?: number;
  readonly ingressBurst?: number;
  readonly egressRate?: number;
  readonly egressBurst?: number;
}
export interface KnownCapabilityArgs {
  readonly portMappings?: readonly PortMapping[];
  readonly ipRanges?: readonly (readonly IpRange[])[];
  readonly bandwidth?: BandwidthEntry;
  readonly dns?: { readonly servers?: readonly string[]; readonly searches?: readonly string[]; readonly options?: readonly string[] };
  readonly ips?: readonly string[];
  readonly mac?: string;
  readonly infinibandGUID?: string;
  readonly deviceID?: string;
  readonly aliases?: readonly string[];
  readonly cgroupPath?: string;
}
/** Capability names documented in CONVENTIONS.md. */
export const KNOWN_CAPABILITIES: readonly string[] = [
  'portMappings', 'ipRanges', 'bandwidth', 'dns', 'ips', 'mac', 'infinibandGUID', 'deviceID', 'aliases', 'cgroupPath',
];

export type CapabilityArgs = KnownCapabilityArgs & { readonly [k: string]: JsonValue | undefined };

/** The attachment a runtime operates on (libcni RuntimeConf). */
export interface RuntimeConf {
  readonly containerId: string;
  /** Netns path; may be empty for DEL. */
  readonly netns: string;
  readonly ifName: string;
  /** CNI_ARGS pairs, sent as `K=V;K=V`. */
  readonly args?: readonly (readonly [string, string])[];
  readonly capabilityArgs?: CapabilityArgs;
}

export interface GcArgs {
  readonly validAttachments: readonly GcAttachment[];
}
