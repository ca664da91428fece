import type { GcAttachment, CniResult } from '../spec/result-types.js';
import type { PluginRequestConfig } from '../spec/config-types.js';
import type { CniCommand } from '../spec/versions.js';

/**
 * What a plugin's callbacks receive (Go's skel.CmdArgs plus the parsed config). `K` is the network-operations
 * handle the plugin acts through (the Kernel, designed elsewhere); the skel never looks inside it.
 */
export interface CmdArgs<K> {
  readonly command: CniCommand;
  readonly containerId: string;
  readonly netns: string;
  readonly ifName: string;
  /** Raw CNI_ARGS (`K=V;K=V`); parse with parseCniArgs, apply the IgnoreUnknown policy yourself. */
  readonly args: string;
  /** CNI_PATH split on ":" (used to find delegated IPAM plugins). */
  readonly path: readonly string[];
  /** stdin as received. */
  readonly stdinData: string;
  /** stdin as decoded (before cniVersion defaulting); shared, not to be changed. Delegation hands it on in-process. */
  readonly stdinJson?: Readonly<Record<string, unknown>>;
  /** stdin parsed; `cniVersion` is the decoded version ("0.1.0" when absent). */
  readonly config: PluginRequestConfig;
  readonly cniVersion: string;
  /** The full environment the plugin was started with (a delegated IPAM plugin gets the same). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly kernel: K;
  /** Free-form log line to stderr (stdout is reserved for the protocol). */
  log(line: string): void;
}

export interface GcArgs<K> extends CmdArgs<K> {
  /** `cni.dev/valid-attachments` (or the 1.1.0-tag name `cni.dev/attachments`); empty when absent. */
  readonly validAttachments: readonly GcAttachment[];
}

/**
 * A CNI plugin as callbacks (Go's skel.CNIFuncs). Throw CniError for a spec error code; any other throw becomes
 * code 999 with its message, as Go's skel does. `add` may return a result of any version: the skel converts it
 * to the request's cniVersion. Missing `status`/`gc` succeed silently (skel.go calls nothing).
 */
export interface CniPlugin<K = unknown> {
  add(args: CmdArgs<K>): Promise<CniResult> | CniResult;
  del(args: CmdArgs<K>): Promise<void> | void;
  check(args: CmdArgs<K>): Promise<void> | void;
  status?(args: CmdArgs<K>): Promise<void> | void;
  gc?(args: GcArgs<K>): Promise<void> | void;
}

export interface PluginInfo {
  /** Exact strings; the config's cniVersion must be one of them (Go's Reconciler: string membership). */
  readonly supportedVersions: readonly string[];
  /** First line printed to stderr when CNI_COMMAND is unset, e.g. "CNI bridge plugin v1.1.1". */
  readonly about?: string;
  /** The `cniVersion` of the VERSION answer: Go prints its library's version ("1.0.0" for Debian's plugins). Default "1.1.0". */
  readonly versionAnswerCniVersion?: string;
  /**
   * 'spec' prints `{cniVersion, code, msg, details}` as SPEC.md says; 'go' omits cniVersion as every Go plugin
   * does (measured). Default 'spec'.
   */
  readonly errorStyle?: 'spec' | 'go';
  /**
   * The VERSION answer's `cniVersion`: 'library' prints versionAnswerCniVersion (what Go's skel does whatever the input);
   * 'echo' prints the input's cniVersion as SPEC.md §5 "Version" says it must. Default 'library'.
   */
  readonly versionAnswer?: 'library' | 'echo';
  /** See EncodeOptions.emptyDns. Default 'emit' (Debian's 1.1.x-built plugins). */
  readonly emptyDns?: 'emit' | 'omit';
}
