import { InputError, isThenable, KubewireError } from '../../lib/index.js';
import { CniCode } from '../errors.js';
import type { GcArgs, NetworkConfigList, PluginConfObject, RuntimeConf } from '../spec/config-types.js';
import { convertResult } from '../spec/convert.js';
import { formatCniArgs, validateContainerId, validateIfName, validateNetworkName } from '../spec/names.js';
import type { CniResult, StatusAnswer, VersionInfo } from '../spec/result-types.js';
import { parseResult } from '../spec/result.js';
import { CURRENT_VERSION, parseVersion, versionGte } from '../spec/versions.js';
import type { CachedAttachment, ResultCache } from './cache.js';
import type { InvokeOptions, PluginInvoker } from './invoker.js';
import { jsonRequest, type JsonInvocation } from './invoker.js';
import { CniPluginError, CniTimeoutError, decodeAddResult, decodeAddResultJson, failureToErrorObject } from './outcome.js';
import { buildRequest, buildRequestJson, type RequestParts } from './request.js';
import { decodeVersionInfo } from './version-info.js';

export interface CniRuntimeOptions {
  readonly invoker: PluginInvoker;
  /** CNI_PATH directories, searched in order. */
  readonly path: readonly string[];
  readonly cache: ResultCache;
  /** Per plugin run. */
  readonly timeoutMs?: number;
  /** Environment every plugin inherits (libcni passes its whole environment, cni#1102). Default: none. */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Follow spec 1.0 and drop `capabilities` from requests (libcni keeps it). Default false. */
  readonly stripCapabilities?: boolean;
  /** Where plugins' stderr goes on success (libcni copies it to its own stderr). */
  readonly onStderr?: (pluginType: string, verb: string, text: string) => void;
}

type Verb = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS' | 'VERSION';

/**
 * The runtime side of CNI, after libcni's CNIConfig: runs a network configuration list for one attachment.
 * Bad input (names, unknown plugin types) is rejected before any plugin runs; plugin failures are CniPluginError
 * with the plugin's code. Works the same over ExecInvoker and InProcessInvoker.
 */
export class CniRuntime {
  private readonly o: CniRuntimeOptions;
  private cniPath: string | undefined;

  constructor(options: CniRuntimeOptions) {
    this.o = options;
  }

  /** ADD every plugin in order, each getting the previous one's result; cache and return the last result. */
  async addNetworkList(list: NetworkConfigList, rt: RuntimeConf): Promise<CniResult> {
    validateAttachment(list, rt);
    const locators = this.findAllNow(list) ?? (await this.findAll(list));
    let result: CniResult | undefined;
    for (const [i, plugin] of list.plugins.entries()) {
      let raw = this.runNow(plugin, locators[i] ?? '', 'ADD', this.parts(list, rt, result), this.attachmentEnv('ADD', rt));
      if (isThenable(raw)) raw = await raw;
      result = raw.json === undefined ? decodeAddResult(plugin.type, raw, list.cniVersion) : decodeAddResultJson(plugin.type, raw.json, list.cniVersion, raw.stderr);
    }
    if (result === undefined) throw new Error('unreachable: a loaded list has plugins');
    const entry = {
      networkName: list.name, containerId: rt.containerId, ifName: rt.ifName, netns: rt.netns,
      ...(rt.args === undefined ? {} : { cniArgs: rt.args }),
      ...(rt.capabilityArgs === undefined ? {} : { capabilityArgs: rt.capabilityArgs }),
      config: list.bytes, result, // a store keeps its own copy (text in a file, a frozen copy in memory)
    };
    const now = this.o.cache.now;
    if (now !== undefined) now.put(entry);
    else await this.o.cache.put(entry);
    return result;
  }

  /** CHECK every plugin in order with the cached ADD result; an error for lists below 0.4.0; no-op with disableCheck. */
  async checkNetworkList(list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
    assertVersion(list, '0.4.0', `configuration version "${list.cniVersion}" does not support the CHECK command`);
    if (list.disableCheck) return;
    const cached = await this.getCachedResult(list, rt);
    const locators = await this.findAll(list);
    for (const [i, plugin] of list.plugins.entries()) {
      await this.run(plugin, locators[i] ?? '', 'CHECK', this.parts(list, rt, cached), this.attachmentEnv('CHECK', rt));
    }
  }

  /**
   * DEL every plugin in reverse order, each given the cached ADD result (from 0.4.0). A corrupt cache entry is
   * dropped and DEL goes on without prevResult (cni#1055). The entry is removed after success. Safe to repeat.
   */
  async delNetworkList(list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
    let cached: CniResult | undefined;
    if (versionGte(list.cniVersion, '0.4.0')) {
      const now = this.o.cache.now;
      try {
        cached = this.cachedResult(list, now !== undefined ? now.get(key(list, rt)) : await this.o.cache.get(key(list, rt)));
      } catch {
        if (now !== undefined) now.delete(key(list, rt));
        else await this.o.cache.delete(key(list, rt));
        cached = undefined;
      }
    }
    const locators = this.findAllNow(list) ?? (await this.findAll(list));
    for (let i = list.plugins.length - 1; i >= 0; i--) {
      const plugin = list.plugins[i];
      if (plugin === undefined) continue;
      const raw = this.runNow(plugin, locators[i] ?? '', 'DEL', this.parts(list, rt, cached), this.attachmentEnv('DEL', rt));
      if (isThenable(raw)) await raw;
    }
    const now = this.o.cache.now;
    if (now !== undefined) now.delete(key(list, rt));
    else await this.o.cache.delete(key(list, rt));
  }

  /**
   * libcni GCNetworkList: DEL cached attachments of this network that are not in `validAttachments`, then (1.1.0+)
   * send GC to every plugin with `cni.dev/valid-attachments`. Keeps going after errors and throws them together.
   */
  async gcNetworkList(list: NetworkConfigList, args?: GcArgs): Promise<void> {
    if (list.disableGC) return;
    const errors: Error[] = [];
    const valid = new Set((args?.validAttachments ?? []).map((a) => `${a.containerID}\u0000${a.ifname}`));
    for (const a of await this.o.cache.list()) {
      if (a.networkName !== list.name || valid.has(`${a.containerId}\u0000${a.ifName}`)) continue;
      const rt: RuntimeConf = {
        containerId: a.containerId, netns: a.netns, ifName: a.ifName,
        ...(a.cniArgs === undefined ? {} : { args: a.cniArgs }),
        ...(a.capabilityArgs === undefined ? {} : { capabilityArgs: a.capabilityArgs }),
      };
      try {
        await this.delNetworkList(list, rt);
      } catch (e) {
        errors.push(new KubewireError('KW_CNI_GC_FAILED', `failed to delete stale attachment ${a.containerId} ${a.ifName}: ${msg(e)}`, { cause: e }));
      }
    }
    if (versionGte(list.cniVersion, '1.1.0')) {
      const inject = args === undefined ? {} : { 'cni.dev/valid-attachments': toJson(args.validAttachments), 'cni.dev/attachments': toJson(args.validAttachments) };
      for (const plugin of list.plugins) {
        try {
          const loc = await this.o.invoker.find(plugin.type, this.o.path);
          await this.run(plugin, loc, 'GC', { name: list.name, cniVersion: list.cniVersion, inject }, this.env('GC', {}));
        } catch (e) {
          errors.push(new KubewireError('KW_CNI_GC_FAILED', `failed to GC plugin ${plugin.type}: ${msg(e)}`, { cause: e }));
        }
      }
    }
    if (errors.length > 0) throw new KubewireError('KW_CNI_GC_FAILED', errors.map((e) => e.message).join('\n'), { cause: new AggregateError(errors) });
  }

  /**
   * STATUS of every plugin in order (1.1.0+; always ready below). The first plugin error is the answer, as a value:
   * `{ready:false, code:50|51|…, msg}`. A missing plugin binary still throws.
   */
  async getStatus(list: NetworkConfigList): Promise<StatusAnswer> {
    if (!versionGte(list.cniVersion, '1.1.0')) return { ready: true };
    const locators = await this.findAll(list);
    for (const [i, plugin] of list.plugins.entries()) {
      try {
        await this.run(plugin, locators[i] ?? '', 'STATUS', { name: list.name, cniVersion: list.cniVersion }, this.env('STATUS', {}));
      } catch (e) {
        if (e instanceof CniPluginError) return { ready: false, code: e.cniCode, msg: e.msg, ...(e.details === '' ? {} : { details: e.details }) };
        throw e;
      }
    }
    return { ready: true };
  }

  /** VERSION of one plugin type, as libcni GetVersionInfo asks it (dummy NETNS/IFNAME/PATH, stdin cniVersion 1.1.0). */
  async version(pluginType: string): Promise<VersionInfo> {
    const loc = await this.o.invoker.find(pluginType, this.o.path);
    const env = this.env('VERSION', { CNI_NETNS: 'dummy', CNI_IFNAME: 'dummy', CNI_PATH: 'dummy' });
    try {
      const raw = await this.run({ type: pluginType }, loc, 'VERSION', JSON.stringify({ cniVersion: CURRENT_VERSION }), env);
      return decodeVersionInfo(raw.stdout, pluginType);
    } catch (e) {
      // A pre-0.2.0 plugin does not know VERSION: it supports only 0.1.0.
      if (e instanceof CniPluginError && e.msg === 'unknown CNI_COMMAND: VERSION') return { cniVersion: '0.1.0', supportedVersions: ['0.1.0'] };
      throw e;
    }
  }

  /** libcni ValidateNetworkList: every plugin found and supporting the list's version; returns the enabled capabilities. */
  async validateNetworkList(list: NetworkConfigList): Promise<string[]> {
    const problems: string[] = [];
    const caps = new Set<string>();
    for (const p of list.plugins) {
      try {
        const vi = await this.version(p.type);
        if (!vi.supportedVersions.includes(list.cniVersion)) problems.push(`plugin ${p.type} does not support config version "${list.cniVersion}"`);
      } catch (e) {
        problems.push(msg(e));
      }
      const c = p['capabilities'];
      if (typeof c === 'object' && c !== null && !Array.isArray(c)) for (const [k, v] of Object.entries(c)) if (v === true) caps.add(k);
    }
    if (problems.length > 0) throw new InputError('KW_CNI_NETWORK_INVALID', `[${problems.join(' ')}]`, list.source === undefined ? {} : { where: list.source });
    return [...caps].sort();
  }

  /** The cached ADD result converted to the list's version, or undefined when there is none (libcni getCachedResult). */
  async getCachedResult(list: NetworkConfigList, rt: Pick<RuntimeConf, 'containerId' | 'ifName'>): Promise<CniResult | undefined> {
    return this.cachedResult(list, await this.o.cache.get(key(list, rt)));
  }

  /** getCachedResult once the entry is read. */
  private cachedResult(list: NetworkConfigList, entry: CachedAttachment | undefined): CniResult | undefined {
    if (entry === undefined || entry.result === undefined) return undefined;
    const raw = entry.result as Record<string, unknown>;
    const v = typeof raw['cniVersion'] === 'string' && raw['cniVersion'] !== '' ? raw['cniVersion'] : '0.1.0';
    try {
      return convertResult(parseResult(raw, v, '$.result'), list.cniVersion);
    } catch (e) {
      throw new KubewireError('KW_CNI_CACHE_CORRUPT', `failed to get network "${list.name}" cached result: failed to convert cached result to config version "${list.cniVersion}": ${msg(e)}`, { cause: e });
    }
  }

  private parts(list: NetworkConfigList, rt: RuntimeConf, prevResult: CniResult | undefined): RequestParts {
    const parts: { -readonly [K in keyof RequestParts]: RequestParts[K] } = { name: list.name, cniVersion: list.cniVersion };
    if (prevResult !== undefined) parts.prevResult = prevResult;
    if (rt.capabilityArgs !== undefined) parts.capabilityArgs = rt.capabilityArgs;
    if (this.o.stripCapabilities === true) parts.stripCapabilities = true;
    return parts;
  }

  /** Find every plugin first so a missing binary fails the call before anything ran. */
  private async findAll(list: NetworkConfigList): Promise<string[]> {
    const out: string[] = [];
    for (const [i, p] of list.plugins.entries()) {
      try {
        out.push(await this.o.invoker.find(p.type, this.o.path));
      } catch (e) {
        throw new InputError('KW_CNI_PLUGIN_NOT_FOUND', msg(e), { where: `${list.source ?? list.name} $.plugins[${i}].type`, cause: e });
      }
    }
    return out;
  }

  /** findAll without waiting, for an invoker that answers at once (findNow); undefined for one that does not. */
  private findAllNow(list: NetworkConfigList): string[] | undefined {
    const inv = this.o.invoker;
    if (inv.findNow === undefined) return undefined;
    const out: string[] = [];
    for (const [i, p] of list.plugins.entries()) {
      try {
        out.push(inv.findNow(p.type, this.o.path));
      } catch (e) {
        throw new InputError('KW_CNI_PLUGIN_NOT_FOUND', msg(e), { where: `${list.source ?? list.name} $.plugins[${i}].type`, cause: e });
      }
    }
    return out;
  }

  private attachmentEnv(verb: Verb, rt: RuntimeConf): Record<string, string> {
    // The variables are set in place (env() made them, in libcni's order), without a second object to copy from.
    const out = this.env(verb, NO_VARS);
    out['CNI_CONTAINERID'] = rt.containerId;
    out['CNI_NETNS'] = rt.netns;
    out['CNI_IFNAME'] = rt.ifName;
    out['CNI_ARGS'] = rt.args === undefined || rt.args.length === 0 ? '' : formatCniArgs(rt.args);
    return out;
  }

  /** libcni invoke.Args.AsEnv: the inherited environment, then every CNI_* variable (empty ones included). */
  private env(verb: Verb, vars: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    const base = this.o.baseEnv;
    if (base !== undefined) for (const [k, v] of Object.entries(base)) if (v !== undefined) out[k] = v;
    out['CNI_COMMAND'] = verb;
    out['CNI_CONTAINERID'] = '';
    out['CNI_NETNS'] = '';
    out['CNI_ARGS'] = '';
    out['CNI_IFNAME'] = '';
    out['CNI_PATH'] = (this.cniPath ??= this.o.path.join(':'));
    for (const k in vars) out[k] = vars[k] as string;
    return out;
  }

  /**
   * One plugin run. `request` is stdin text, or the parts of a request config: handed to an invoker that takes values
   * (in-process) as the value its text would parse to, else written as text (executables: byte for byte as before).
   */
  private async run(plugin: PluginConfObject, locator: string, verb: Verb, request: string | RequestParts, env: Record<string, string>): Promise<JsonInvocation> {
    const opts = this.o.timeoutMs === undefined ? NO_OPTIONS : { timeoutMs: this.o.timeoutMs };
    const inv = this.o.invoker;
    let raw: JsonInvocation;
    if (typeof request === 'string') raw = await inv.invoke(locator, request, env, opts);
    else if (inv.invokeJson !== undefined) raw = await inv.invokeJson(locator, jsonRequest(buildRequestJson(plugin, request), () => buildRequest(plugin, request)), env, opts);
    else raw = await inv.invoke(locator, buildRequest(plugin, request), env, opts);
    return this.checked(plugin, verb, raw);
  }

  /**
   * `run` answering with the invocation itself when the invoker finished without waiting (in-process plugins on the
   * virtual kernel: invokeJsonNow, no timeout), else a promise of it. Failures are thrown either way.
   */
  private runNow(plugin: PluginConfObject, locator: string, verb: Verb, request: RequestParts, env: Record<string, string>): JsonInvocation | Promise<JsonInvocation> {
    const inv = this.o.invoker;
    if (inv.invokeJsonNow === undefined || this.o.timeoutMs !== undefined) return this.run(plugin, locator, verb, request, env);
    const raw = inv.invokeJsonNow(locator, jsonRequest(buildRequestJson(plugin, request), () => buildRequest(plugin, request)), env, NO_OPTIONS);
    return isThenable(raw) ? raw.then((r) => this.checked(plugin, verb, r)) : this.checked(plugin, verb, raw);
  }

  /** A finished run: timed out or failed is an error (libcni's words); the plugin's stderr goes to onStderr. */
  private checked(plugin: PluginConfObject, verb: Verb, raw: JsonInvocation): JsonInvocation {
    if (raw.timedOut) throw new CniTimeoutError(plugin.type, verb, this.o.timeoutMs ?? 0);
    if (raw.exitCode !== 0) throw new CniPluginError(plugin.type, verb, failureToErrorObject(raw), raw.stderr);
    if (raw.stderr !== '') this.o.onStderr?.(plugin.type, verb, raw.stderr);
    return raw;
  }
}

const NO_OPTIONS: InvokeOptions = Object.freeze({});
const NO_VARS: Readonly<Record<string, string>> = Object.freeze({});

function key(list: NetworkConfigList, rt: Pick<RuntimeConf, 'containerId' | 'ifName'>) {
  return { networkName: list.name, containerId: rt.containerId, ifName: rt.ifName };
}

/** libcni addNetwork's name checks, made before any plugin runs so nothing is left half-done. */
function validateAttachment(list: NetworkConfigList, rt: RuntimeConf): void {
  const id = validateContainerId(rt.containerId);
  const name = validateNetworkName(list.name);
  const ifName = validateIfName(rt.ifName);
  if (id === undefined && name === undefined && ifName === undefined) return;
  const checks: [string, ReturnType<typeof validateContainerId>][] = [
    ['runtimeConf.containerId', id],
    [`${list.source ?? 'conflist'} $.name`, name],
    ['runtimeConf.ifName', ifName],
  ];
  for (const [where, err] of checks) if (err !== undefined) throw new InputError('KW_CNI_ATTACHMENT_INVALID', `${err.message} (CNI code ${err.cniCode})`, { where, cause: err });
}

function assertVersion(list: NetworkConfigList, min: string, message: string): void {
  const p = parseVersion(list.cniVersion);
  if ('error' in p) throw new InputError('KW_CNI_CONFIG_INVALID', p.error, { where: `${list.source ?? list.name} $.cniVersion` });
  if (!versionGte(list.cniVersion, min)) throw new KubewireError('KW_CNI_VERB_UNSUPPORTED', message, { cause: { cniCode: CniCode.IncompatibleCniVersion } });
}

function toJson(as: GcArgs['validAttachments']) {
  return as.map((a) => ({ containerID: a.containerID, ifname: a.ifname }));
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
