import { CniCode, CniError, isCniError } from '../errors.js';
import type { PluginRequestConfig } from '../spec/config-types.js';
import type { CniResult } from '../spec/result-types.js';
import { parseResult } from '../spec/result.js';

/**
 * The request's prevResult as a typed result, or undefined when absent (Go's version.ParsePrevResult): a prevResult
 * without cniVersion takes the config's; one with a different version is rejected ("could not parse prevResult:
 * result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is "0.4.0""), code 999 as Go plugins report it.
 */
export function parsePrevResult(config: PluginRequestConfig): CniResult | undefined {
  const raw = config['prevResult'];
  if (raw === undefined || raw === null) return undefined;
  const withVersion = typeof raw === 'object' && !Array.isArray(raw) && (raw as Record<string, unknown>)['cniVersion'] === undefined
    ? { ...raw, cniVersion: config.cniVersion }
    : raw;
  try {
    return parseResult(withVersion, config.cniVersion, '$.prevResult');
  } catch (e) {
    const msg = isCniError(e) ? e.msg : e instanceof Error ? e.message : String(e);
    throw new CniError(CniCode.Internal, `could not parse prevResult: ${msg}`, '', { cause: e });
  }
}

/** For CHECK and chained plugins that cannot work without one: Go plugins' "Required prevResult missing". */
export function requirePrevResult(config: PluginRequestConfig, prefix = ''): CniResult {
  const r = parsePrevResult(config);
  if (r === undefined) throw new CniError(CniCode.Internal, `${prefix}Required prevResult missing`);
  return r;
}
