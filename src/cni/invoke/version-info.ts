import { CniCode } from '../errors.js';
import type { VersionInfo } from '../spec/result-types.js';
import { versionInfoSchema } from '../spec/schemas.js';
import { formatViolations, validateAgainst } from '../spec/validate.js';
import { CniPluginError } from './outcome.js';

/**
 * libcni PluginDecoder.Decode for a VERSION answer: cniVersion is required; a missing supportedVersions is accepted
 * only from a 0.2.0 plugin (then it supports 0.1.0 and 0.2.0).
 */
export function decodeVersionInfo(stdout: string, pluginType: string): VersionInfo {
  const fail = (m: string): never => {
    throw new CniPluginError(pluginType, 'VERSION', { code: CniCode.DecodingFailure, msg: `decoding version info: ${m}` });
  };
  let json: unknown;
  try {
    json = JSON.parse(stdout) as unknown;
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  const vs = validateAgainst('version-info', versionInfoSchema(), json);
  if (vs.length > 0) {
    if (vs.some((v) => v.path === '$.cniVersion')) fail('missing field cniVersion');
    fail(formatViolations(vs));
  }
  const o = json as { cniVersion: string; supportedVersions?: string[] };
  if (o.supportedVersions === undefined || o.supportedVersions.length === 0) {
    if (o.cniVersion === '0.2.0') return { cniVersion: '0.2.0', supportedVersions: ['0.1.0', '0.2.0'] };
    fail('missing field supportedVersions');
  }
  return { cniVersion: o.cniVersion, supportedVersions: o.supportedVersions ?? [] };
}
