import { CniCode, CniError, isCniError } from '../errors.js';
import type { CniResult, GcAttachment } from '../spec/result-types.js';
import type { PluginRequestConfig } from '../spec/config-types.js';
import { convertResult } from '../spec/convert.js';
import { validateNetworkName } from '../spec/names.js';
import type { JsonRequest } from '../invoke/invoker.js';
import { encodeResult, resultJson } from '../spec/result.js';
import { CURRENT_VERSION, compareVersions, parseVersion, type CniCommand } from '../spec/versions.js';
import { readEnvArgs, type EnvArgs } from './env.js';
import type { CmdArgs, CniPlugin, GcArgs, PluginInfo } from './plugin.js';
import { isThenable } from '../../lib/index.js';

/** The plugin's process boundary, injected (Go's skel dispatcher fields). */
export interface PluginIo<K> {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** All of stdin, or a reader for it (a failing reader gives code 5). */
  readonly stdin: string | (() => Promise<string>);
  readonly stdout: (chunk: string) => void;
  readonly stderr: (chunk: string) => void;
  /** Called once with the exit status (0 or 1) after all output is written. */
  readonly exit?: (code: number) => void;
  readonly kernel: K;
  /**
   * In-process runs: stdin already as a value (what JSON.parse of its text gives). It is checked exactly as decoded
   * text is; `stdin` is then not read, and the text is written only if the plugin reads `stdinData`.
   */
  readonly request?: JsonRequest;
  /** In-process runs: takes an ADD's result as the value its printed text would parse to, instead of the text. */
  readonly stdoutJson?: (value: Record<string, unknown>) => void;
}

/** Go's json type name for a JSON value, used in "cannot unmarshal X into Go struct field" messages. */
function goJsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

function goField(key: string, v: unknown): string | undefined {
  if (v === undefined || v === null || typeof v === 'string') return undefined;
  return `json: cannot unmarshal ${goJsonType(v)} into Go struct field .${key} of type string`;
}

/** skel.go validateConfig: stdin must be a JSON object with a valid network name. */
function decodeConfig(stdin: string): Record<string, unknown> | CniError {
  let json: unknown;
  try {
    json = JSON.parse(stdin) as unknown;
  } catch (e) {
    return new CniError(CniCode.DecodingFailure, `error unmarshall network config: ${e instanceof Error ? e.message : String(e)}`);
  }
  return checkConfig(json);
}

/** The checks after decoding: an object with a string, valid network name. */
function checkConfig(json: unknown): Record<string, unknown> | CniError {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return new CniError(CniCode.DecodingFailure, `error unmarshall network config: json: cannot unmarshal ${goJsonType(json)} into Go value of type struct { Name string "json:\\"name\\"" }`);
  }
  const o = json as Record<string, unknown>;
  const bad = goField('name', o['name']);
  if (bad !== undefined) return new CniError(CniCode.DecodingFailure, `error unmarshall network config: ${bad}`);
  const name = typeof o['name'] === 'string' ? o['name'] : '';
  if (name === '') return new CniError(CniCode.InvalidNetworkConfig, 'missing network name');
  return validateNetworkName(name) ?? o;
}

/** create.DecodeVersion: absent or "" is 0.1.0; a non-string is code 6. */
function decodeVersion(o: Record<string, unknown>): string | CniError {
  const bad = goField('cniVersion', o['cniVersion']);
  if (bad !== undefined) return new CniError(CniCode.DecodingFailure, `decoding version from network config: ${bad}`);
  const v = o['cniVersion'];
  return typeof v === 'string' && v !== '' ? v : '0.1.0';
}

/** Go's %q of a []string: ["0.1.0" "0.2.0"]. */
function goQuoteList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}

function reconcile(configVersion: string, info: PluginInfo): CniError | undefined {
  if (info.supportedVersions.includes(configVersion)) return undefined;
  return new CniError(CniCode.IncompatibleCniVersion, 'incompatible CNI versions', `config is ${JSON.stringify(configVersion)}, plugin supports ${goQuoteList(info.supportedVersions)}`);
}

/** CHECK/GC/STATUS gates: the config's version must have the verb and the plugin must support a version that high. */
function gateVerb(cmd: 'CHECK' | 'GC' | 'STATUS', configVersion: string, info: PluginInfo): CniError | undefined {
  const since = cmd === 'CHECK' ? '0.4.0' : '1.1.0';
  const p = parseVersion(configVersion);
  if ('error' in p) return new CniError(CniCode.DecodingFailure, p.error);
  if (compareVersions(configVersion, since) < 0) return new CniError(CniCode.IncompatibleCniVersion, `config version does not allow ${cmd}`);
  for (const pv of info.supportedVersions) {
    const pp = parseVersion(pv);
    if ('error' in pp) return new CniError(CniCode.DecodingFailure, pp.error);
    if (compareVersions(pv, configVersion) >= 0) return reconcile(configVersion, info);
  }
  return new CniError(CniCode.IncompatibleCniVersion, `plugin version does not allow ${cmd}`);
}

function validAttachments(o: Record<string, unknown>): GcAttachment[] {
  const raw = o['cni.dev/valid-attachments'] ?? o['cni.dev/attachments'];
  if (!Array.isArray(raw)) return [];
  return raw.filter((a): a is GcAttachment => typeof a === 'object' && a !== null && typeof (a as GcAttachment).containerID === 'string' && typeof (a as GcAttachment).ifname === 'string');
}

/**
 * Run one CNI invocation of `plugin` over injected I/O, as Go's skel.PluginMainFuncs does: check the environment for
 * the command, answer VERSION, validate stdin and its cniVersion, call the plugin, print the result converted to the
 * request's version (Go's 4-space indent) or an error object, and exit 0 or 1. Resolves to the exit status.
 */
export async function runPlugin<K>(plugin: CniPlugin<K>, info: PluginInfo, io: PluginIo<K>): Promise<number> {
  return runPluginNow(plugin, info, io);
}

/** What printError needs to know of a run: the config's version once it is decoded. */
interface RunState {
  configVersion: string | undefined;
}

function finish<K>(io: PluginIo<K>, code: number): number {
  io.exit?.(code);
  return code;
}

function printError<K>(info: PluginInfo, io: PluginIo<K>, st: RunState, e: CniError): number {
  const v = info.errorStyle === 'go' ? undefined : st.configVersion ?? info.versionAnswerCniVersion ?? CURRENT_VERSION;
  io.stdout(JSON.stringify(e.toObject(v), null, 4));
  return finish(io, 1);
}

/** Go: a *types.Error passes through, anything else is ErrInternal (999) with its text. */
function asCniError(e: unknown): CniError {
  return isCniError(e) ? e : new CniError(CniCode.Internal, e instanceof Error ? e.message : String(e));
}

/**
 * runPlugin answering with the exit status itself when nothing had to be awaited: stdin given as text or a value, and
 * a plugin callback that returned its answer rather than a promise (our plugins on the virtual kernel). Otherwise a
 * promise of it. The output and the exit status are the same either way.
 */
export function runPluginNow<K>(plugin: CniPlugin<K>, info: PluginInfo, io: PluginIo<K>): number | Promise<number> {
  const st: RunState = { configVersion: undefined };
  try {
    const env = readEnvArgs(io.env);
    if (isCniError(env)) {
      if (env.cniCode === CniCode.InvalidEnvironmentVariables && (io.env['CNI_COMMAND'] ?? '') === '' && info.about !== undefined) {
        io.stderr(`${info.about}\n`);
        io.stderr(`CNI protocol versions supported: ${info.supportedVersions.join(', ')}\n`);
        return finish(io, 0);
      }
      return printError(info, io, st, env);
    }
    if (env.command === 'VERSION') return answerVersion(info, io, st);
    if (io.request !== undefined) return withConfig(plugin, info, io, st, env, io.request.text, checkConfig(io.request.json));
    if (typeof io.stdin === 'string') return withConfig(plugin, info, io, st, env, io.stdin, decodeConfig(io.stdin));
    return readThenRun(plugin, info, io, st, env, io.stdin);
  } catch (e) {
    return printError(info, io, st, asCniError(e));
  }
}

async function answerVersion<K>(info: PluginInfo, io: PluginIo<K>, st: RunState): Promise<number> {
  try {
    // Go's json.Encoder: compact with a trailing newline; stdin is not read.
    let answer = info.versionAnswerCniVersion ?? CURRENT_VERSION;
    if (info.versionAnswer === 'echo') answer = (await echoedVersion(io.stdin)) ?? answer;
    io.stdout(`${JSON.stringify({ cniVersion: answer, supportedVersions: info.supportedVersions })}\n`);
    return finish(io, 0);
  } catch (e) {
    return printError(info, io, st, asCniError(e));
  }
}

async function readThenRun<K>(plugin: CniPlugin<K>, info: PluginInfo, io: PluginIo<K>, st: RunState, env: EnvArgs, read: () => Promise<string>): Promise<number> {
  let stdin: string;
  try {
    stdin = await read();
  } catch (e) {
    return printError(info, io, st, new CniError(CniCode.IoFailure, `error reading from stdin: ${e instanceof Error ? e.message : String(e)}`));
  }
  return withConfig(plugin, info, io, st, env, stdin, decodeConfig(stdin));
}

/** The run once stdin is in hand: command and version checks, then the plugin's callback. */
function withConfig<K>(
  plugin: CniPlugin<K>, info: PluginInfo, io: PluginIo<K>, st: RunState, env: EnvArgs, stdin: string | (() => string), conf: Record<string, unknown> | CniError,
): number | Promise<number> {
  try {
    if (isCniError(conf)) return printError(info, io, st, conf);
    const cmd = env.command;
    if (cmd !== 'ADD' && cmd !== 'DEL' && cmd !== 'CHECK' && cmd !== 'GC' && cmd !== 'STATUS') {
      return printError(info, io, st, new CniError(CniCode.InvalidEnvironmentVariables, `unknown CNI_COMMAND: ${cmd}`));
    }
    const v = decodeVersion(conf);
    if (isCniError(v)) return printError(info, io, st, v);
    st.configVersion = v;
    const gate = cmd === 'ADD' || cmd === 'DEL' ? reconcile(v, info) : gateVerb(cmd, v, info);
    if (gate !== undefined) return printError(info, io, st, gate);
    // The config with its decoded version; when the request states it already, the decoded value serves as is.
    const config = (conf['cniVersion'] === v ? conf : { ...conf, cniVersion: v }) as PluginRequestConfig;
    const args = cmdArgs(cmd, env, stdin, conf, config, io);
    let answer: unknown;
    switch (cmd) {
      case 'ADD': answer = plugin.add(args); break;
      case 'DEL': answer = plugin.del(args); break;
      case 'CHECK': answer = plugin.check(args); break;
      case 'STATUS': answer = plugin.status?.(args); break;
      case 'GC': answer = plugin.gc?.(new Args(cmd, env, stdin, conf, args.config, io, validAttachments(conf))); break;
    }
    if (isThenable(answer)) return settle(answer, cmd, v, info, io, st);
    return answered(cmd, answer, v, info, io);
  } catch (e) {
    return printError(info, io, st, asCniError(e));
  }
}

/** Exit 0 after the callback answered; an ADD's result is printed first, converted to the request's version. */
function answered<K>(cmd: CniCommand, answer: unknown, v: string, info: PluginInfo, io: PluginIo<K>): number {
  if (cmd === 'ADD') {
    const result = answer as CniResult;
    const opts = info.emptyDns === undefined ? {} : { emptyDns: info.emptyDns };
    if (io.stdoutJson !== undefined) io.stdoutJson(resultJson(convertResult(result, v), opts));
    else io.stdout(encodeResult(convertResult(result, v), opts));
  }
  return finish(io, 0);
}

async function settle<K>(p: PromiseLike<unknown>, cmd: CniCommand, v: string, info: PluginInfo, io: PluginIo<K>, st: RunState): Promise<number> {
  try {
    return answered(cmd, await p, v, info, io);
  } catch (e) {
    return printError(info, io, st, asCniError(e));
  }
}

/** The input's cniVersion for an echoing VERSION answer; undefined when stdin is unreadable or has none. */
async function echoedVersion(stdin: string | (() => Promise<string>)): Promise<string | undefined> {
  try {
    const o = JSON.parse(typeof stdin === 'string' ? stdin : await stdin()) as unknown;
    const v = typeof o === 'object' && o !== null ? (o as Record<string, unknown>)['cniVersion'] : undefined;
    return typeof v === 'string' && v !== '' ? v : undefined;
  } catch {
    return undefined;
  }
}

function cmdArgs<K>(
  command: CniCommand, env: EnvArgs, stdin: string | (() => string), stdinJson: Readonly<Record<string, unknown>>, config: PluginRequestConfig, io: PluginIo<K>,
): CmdArgs<K> {
  return new Args(command, env, stdin, stdinJson, config, io);
}

/** CNI_PATH as a list; the same text comes with every run, so the last split is kept (frozen: it is shared). */
let lastPath: { readonly text: string; readonly dirs: readonly string[] } = { text: '', dirs: Object.freeze([]) };
function splitPath(text: string): readonly string[] {
  if (text !== lastPath.text) lastPath = { text, dirs: Object.freeze(text.split(':')) };
  return lastPath.dirs;
}

/** CmdArgs with stdinData written from the request value only if a plugin reads it (a getter on the class). */
class Args<K> implements GcArgs<K> {
  readonly containerId: string;
  readonly netns: string;
  readonly ifName: string;
  readonly args: string;
  readonly path: readonly string[];
  readonly cniVersion: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly kernel: K;
  private text: string | undefined;

  constructor(
    readonly command: CniCommand, e: EnvArgs, private readonly stdin: string | (() => string),
    readonly stdinJson: Readonly<Record<string, unknown>>, readonly config: PluginRequestConfig, private readonly io: PluginIo<K>,
    /** GC only (`cni.dev/valid-attachments`); empty for the other commands. */
    readonly validAttachments: readonly GcAttachment[] = [],
  ) {
    this.containerId = e.containerId;
    this.netns = e.netns;
    this.ifName = e.ifName;
    this.args = e.args;
    this.path = splitPath(e.path);
    this.cniVersion = config.cniVersion;
    this.env = io.env;
    this.kernel = io.kernel;
    this.text = typeof stdin === 'string' ? stdin : undefined;
  }

  get stdinData(): string {
    return (this.text ??= (this.stdin as () => string)());
  }

  log(line: string): void {
    this.io.stderr(line.endsWith('\n') ? line : `${line}\n`);
  }
}
