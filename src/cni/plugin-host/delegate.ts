import { CniError } from '../errors.js';
import { jsonRequest, type JsonInvocation, type PluginInvoker } from '../invoke/invoker.js';
import { failureToErrorObject } from '../invoke/outcome.js';
import type { CmdArgs } from '../skel/plugin.js';
import type { CniResult } from '../spec/result-types.js';
import { parseResult } from '../spec/result.js';
import { convertResult } from '../spec/convert.js';
import { isThenable } from '../../lib/index.js';

type Verb = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';

/**
 * Delegated plugins (SPEC §4, pkg/ipam ExecAdd/ExecDel): found on CNI_PATH, run with the caller's environment with
 * CNI_COMMAND replaced and the caller's whole stdin, their stderr copied to the caller's. A failure comes back as the
 * delegate's own CniError (code kept), as Go's invoke does. Over ExecInvoker for executables, InProcessInvoker in-process.
 */
export class Delegator {
  constructor(private readonly invoker: PluginInvoker) {}

  /** ADD; the result converted to 1.0.0 (current.NewResultFromResult) so callers handle one shape. */
  async add(type: string, args: CmdArgs<unknown>, stdin?: string): Promise<CniResult> {
    return this.addNow(type, args, stdin);
  }

  /**
   * `add` answering with the result itself when the delegate finished without waiting (in-process, on the virtual
   * kernel), else a promise of it; a failure is then thrown rather than a rejected promise.
   */
  addNow(type: string, args: CmdArgs<unknown>, stdin?: string): CniResult | Promise<CniResult> {
    const out = this.runNow('ADD', type, args, stdin);
    return isThenable(out) ? out.then((o) => addResult(type, args, o)) : addResult(type, args, out);
  }

  async del(type: string, args: CmdArgs<unknown>, stdin?: string): Promise<void> {
    await this.runNow('DEL', type, args, stdin);
  }

  /** `del` answering undefined when it did not have to wait, else a promise; a failure is then thrown. */
  delNow(type: string, args: CmdArgs<unknown>, stdin?: string): undefined | Promise<void> {
    const out = this.runNow('DEL', type, args, stdin);
    return isThenable(out) ? out.then(() => undefined) : undefined;
  }

  async check(type: string, args: CmdArgs<unknown>, stdin?: string): Promise<void> {
    await this.run('CHECK', type, args, stdin);
  }

  async gc(type: string, args: CmdArgs<unknown>, stdin?: string): Promise<void> {
    await this.run('GC', type, args, stdin);
  }

  /** `stdin` defaults to the caller's own: handed on as the decoded value when both sides run in this process. */
  private async run(verb: Verb, type: string, args: CmdArgs<unknown>, stdin: string | undefined): Promise<JsonInvocation> {
    let loc: string;
    try {
      loc = await this.invoker.find(type, args.path);
    } catch (e) {
      throw new CniError(999, e instanceof Error ? e.message : String(e));
    }
    const env = delegateEnv(args.env, verb);
    const own = args.stdinJson;
    const raw: JsonInvocation = stdin === undefined && own !== undefined && this.invoker.invokeJson !== undefined
      ? await this.invoker.invokeJson(loc, jsonRequest(own, () => args.stdinData), env)
      : await this.invoker.invoke(loc, stdin ?? args.stdinData, env);
    return checked(args, raw);
  }

  /** `run` without waiting where the invoker can answer at once (its findNow and invokeJsonNow). */
  private runNow(verb: Verb, type: string, args: CmdArgs<unknown>, stdin: string | undefined): JsonInvocation | Promise<JsonInvocation> {
    const inv = this.invoker;
    const own = args.stdinJson;
    if (inv.findNow === undefined || inv.invokeJsonNow === undefined || stdin !== undefined || own === undefined) return this.run(verb, type, args, stdin);
    let loc: string;
    try {
      loc = inv.findNow(type, args.path);
    } catch (e) {
      throw new CniError(999, e instanceof Error ? e.message : String(e));
    }
    const raw = inv.invokeJsonNow(loc, jsonRequest(own, () => args.stdinData), delegateEnv(args.env, verb));
    return isThenable(raw) ? raw.then((r) => checked(args, r)) : checked(args, raw);
  }
}

/** The delegate's stderr copied to the caller's; a failure as the delegate's own CniError (code kept). */
function checked(args: CmdArgs<unknown>, raw: JsonInvocation): JsonInvocation {
  if (raw.stderr !== '') args.log(raw.stderr);
  if (raw.exitCode !== 0) throw CniError.fromObject(failureToErrorObject(raw));
  return raw;
}

function addResult(type: string, args: CmdArgs<unknown>, out: JsonInvocation): CniResult {
  let json: unknown = out.json;
  if (json === undefined) {
    try {
      json = JSON.parse(out.stdout) as unknown;
    } catch (e) {
      throw new CniError(999, `failed to unmarshal ${type} result: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const o = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  const v = typeof o['cniVersion'] === 'string' && o['cniVersion'] !== '' ? o['cniVersion'] : args.cniVersion;
  return convertResult(parseResult(o['cniVersion'] === v ? o : { ...o, cniVersion: v }, v), '1.0.0');
}

/**
 * The caller's environment with CNI_COMMAND set to `verb` and unset variables left out. When that is exactly the
 * caller's own (a bridge ADD delegating ADD), the caller's object is handed on: invokers only read it.
 */
function delegateEnv(from: Readonly<Record<string, string | undefined>>, verb: Verb): Readonly<Record<string, string>> {
  let same = from['CNI_COMMAND'] === verb && Object.prototype.hasOwnProperty.call(from, 'CNI_COMMAND');
  for (const k in from) if (from[k] === undefined || !Object.prototype.hasOwnProperty.call(from, k)) same = false;
  if (same) return from as Readonly<Record<string, string>>;
  const env: Record<string, string> = {};
  for (const k in from) {
    const v = from[k];
    if (v !== undefined && Object.prototype.hasOwnProperty.call(from, k)) env[k] = v;
  }
  env['CNI_COMMAND'] = verb;
  return env;
}
