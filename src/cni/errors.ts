import { KubewireError } from '../lib/index.js';

/**
 * The spec's well-known error codes (SPEC.md "Error"; pkg/types/types.go). 0-99 are reserved; 100+ are
 * plugin-specific. 8 and 999 are not in the spec text but every Go plugin emits them (skel.go), so we name them.
 */
export const CniCode = {
  Unknown: 0,
  IncompatibleCniVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironmentVariables: 4,
  IoFailure: 5,
  DecodingFailure: 6,
  InvalidNetworkConfig: 7,
  InvalidNetns: 8,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  LimitedConnectivity: 51,
  Internal: 999,
} as const;
export type CniCodeName = keyof typeof CniCode;

/** Spec version that introduced each code (cni.md §1.8); `lib` = Go library only. */
export const CNI_CODE_SINCE: Readonly<Record<number, string>> = {
  1: '0.1.0', 2: '0.2.0', 3: '0.4.0', 4: '1.0.0', 5: '1.0.0', 6: '1.0.0', 7: '1.0.0', 8: 'lib', 11: '0.4.0',
  50: '1.1.0', 51: '1.1.0', 999: 'lib',
};

/** A code meaning "retry later" or "not ready" rather than "this request is wrong". */
export function isTransientCniCode(code: number): boolean {
  return code === CniCode.TryAgainLater || code === CniCode.PluginNotAvailable || code === CniCode.LimitedConnectivity;
}

/** The error object a plugin prints on stdout. Go plugins never print `cniVersion` (measured); the spec says they should. */
export interface CniErrorObject {
  readonly cniVersion?: string;
  readonly code: number;
  readonly msg: string;
  readonly details?: string;
}

/**
 * A CNI protocol error: thrown by plugin code (the skel turns it into the error object) and by the runtime when a
 * plugin answered with one. `cniCode` is the spec's numeric code; `code` stays our stable string.
 */
export class CniError extends KubewireError {
  override readonly name: string = 'CniError';
  readonly cniCode: number;
  readonly msg: string;
  readonly details: string;

  constructor(cniCode: number, msg: string, details = '', options: { where?: string; cause?: unknown } = {}) {
    // Same text as Go's types.Error.Error(): "msg; details".
    super('KW_CNI_ERROR', details === '' ? msg : `${msg}; ${details}`, options);
    this.cniCode = cniCode;
    this.msg = msg;
    this.details = details;
  }

  /** The wire object, keys in Go's order (code, msg, details); `cniVersion` first when given (spec shape). */
  toObject(cniVersion?: string): CniErrorObject {
    return {
      ...(cniVersion === undefined ? {} : { cniVersion }),
      code: this.cniCode,
      msg: this.msg,
      ...(this.details === '' ? {} : { details: this.details }),
    };
  }

  static fromObject(o: CniErrorObject): CniError {
    return new CniError(o.code, o.msg, o.details ?? '');
  }
}

export function isCniError(e: unknown): e is CniError {
  return e instanceof CniError;
}

/**
 * Narrow unknown JSON to an error object: `code` a non-negative integer and `msg` a string are required;
 * Go's decoder tolerates a missing msg, but a result without code/msg must not be mistaken for an error.
 */
export function asCniErrorObject(v: unknown): CniErrorObject | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const { code, msg, details, cniVersion } = o;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 0) return undefined;
  if (typeof msg !== 'string') return undefined;
  if (details !== undefined && typeof details !== 'string') return undefined;
  if (cniVersion !== undefined && typeof cniVersion !== 'string') return undefined;
  return {
    ...(cniVersion === undefined ? {} : { cniVersion }),
    code,
    msg,
    ...(details === undefined || details === '' ? {} : { details }),
  };
}
