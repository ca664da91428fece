import { KubewireError } from '../../lib/index.js';
import { CniCode, CniError, isCniError, type CniErrorObject } from '../errors.js';
import type { CniResult } from '../spec/result-types.js';
import { parseResult } from '../spec/result.js';
import type { RawInvocation } from './invoker.js';

/**
 * A plugin failed: its error object (or libcni's synthesized one) plus which plugin and verb, with libcni's text:
 * `plugin type="bridge" failed (add): <msg>; <details>`. `cniCode`, `msg`, `details` are the plugin's.
 */
export class CniPluginError extends CniError {
  override readonly name = 'CniPluginError';
  readonly pluginType: string;
  readonly verb: string;
  readonly stderr: string;

  constructor(pluginType: string, verb: string, e: CniErrorObject, stderr = '', pluginName?: string) {
    const who = `type=${JSON.stringify(pluginType)}${pluginName === undefined || pluginName === '' ? '' : ` name=${JSON.stringify(pluginName)}`}`;
    super(e.code, e.msg, e.details ?? '', { where: `plugin ${who} failed (${verbWord(verb)})` });
    this.pluginType = pluginType;
    this.verb = verb;
    this.stderr = stderr;
  }
}

function verbWord(verb: string): string {
  return verb === 'DEL' ? 'delete' : verb.toLowerCase();
}

/** The plugin did not finish in time and was killed (exec) or abandoned (in-process). */
export class CniTimeoutError extends KubewireError {
  override readonly name = 'CniTimeoutError';
  constructor(pluginType: string, verb: string, timeoutMs: number) {
    super('KW_CNI_PLUGIN_TIMEOUT', `plugin type=${JSON.stringify(pluginType)} did not finish ${verb} within ${timeoutMs} ms and was stopped`);
  }
}

/**
 * libcni RawExec.pluginErr: a non-zero exit's stdout is decoded as an error object; with no stdout the stderr (or
 * the exit status) becomes the message, code 0; undecodable stdout is reported with its text.
 */
export function failureToErrorObject(raw: RawInvocation): CniErrorObject {
  if (raw.stdout.trim() === '') {
    return raw.stderr === ''
      ? { code: CniCode.Unknown, msg: `netplugin failed with no error message: ${raw.status}` }
      : { code: CniCode.Unknown, msg: `netplugin failed: ${JSON.stringify(raw.stderr)}: ${raw.status}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.stdout) as unknown;
  } catch (e) {
    return { code: CniCode.Unknown, msg: `netplugin failed but error parsing its diagnostic message ${JSON.stringify(raw.stdout)}: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { code: CniCode.Unknown, msg: `netplugin failed but error parsing its diagnostic message ${JSON.stringify(raw.stdout)}: not a JSON object` };
  }
  // Go unmarshals into types.Error: missing fields stay zero, wrong types fail the decode.
  const o = json as Record<string, unknown>;
  const code = o['code'] ?? 0;
  const msg = o['msg'] ?? '';
  const details = o['details'] ?? '';
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || typeof msg !== 'string' || typeof details !== 'string') {
    return { code: CniCode.Unknown, msg: `netplugin failed but error parsing its diagnostic message ${JSON.stringify(raw.stdout)}: code must be an unsigned integer, msg and details strings` };
  }
  return { code, msg, ...(details === '' ? {} : { details }) };
}

/**
 * An ADD's stdout as a result (libcni fixupResultVersion + create.Create): a result without cniVersion takes the
 * request's; otherwise its own version chooses the type. The result is not converted to the request's version
 * (libcni does not either). Decode problems are CniPluginError code 6 with the JSON path.
 */
export function decodeAddResult(pluginType: string, raw: RawInvocation, requestVersion: string): CniResult {
  let json: unknown;
  try {
    json = JSON.parse(raw.stdout) as unknown;
  } catch (e) {
    throw new CniPluginError(pluginType, 'ADD', { code: CniCode.DecodingFailure, msg: `failed to unmarshal raw result: ${e instanceof Error ? e.message : String(e)}`, details: raw.stdout }, raw.stderr);
  }
  return decodeAddResultJson(pluginType, json, requestVersion, raw.stderr);
}

/** decodeAddResult after the text is parsed (an in-process plugin hands over the value its text would parse to). */
export function decodeAddResultJson(pluginType: string, json: unknown, requestVersion: string, stderr: string): CniResult {
  const o = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  const own = o?.['cniVersion'];
  const version = typeof own === 'string' && own !== '' ? own : requestVersion;
  try {
    return parseResult(o === undefined || own === version ? json : { ...o, cniVersion: version }, version);
  } catch (e) {
    const msg = isCniError(e) ? e.message : e instanceof Error ? e.message : String(e);
    throw new CniPluginError(pluginType, 'ADD', { code: CniCode.DecodingFailure, msg }, stderr);
  }
}
