import type { CniPlugin, PluginInfo } from '../skel/plugin.js';
import { runPlugin, runPluginNow, type PluginIo } from '../skel/run-plugin.js';
import {
  checkPluginName, notFoundMessage, PluginNotFoundError, type InvokeOptions, type JsonInvocation, type JsonRequest, type PluginInvoker, type RawInvocation,
} from './invoker.js';

export interface RegisteredPlugin<K> {
  readonly plugin: CniPlugin<K>;
  readonly info: PluginInfo;
}

/**
 * Plugins as objects in this process, driven through the same skel as an executable (env, stdin text, stdout text,
 * exit status), so the emulated kubelet exercises exactly the protocol a real runtime would. `kernel` is handed to
 * every plugin. CNI_PATH only has to be non-empty: registered types stand in for the directories.
 * A timeout abandons the call (an in-process plugin cannot be killed) and reports it as timed out.
 */
export class InProcessInvoker<K> implements PluginInvoker {
  private readonly plugins: ReadonlyMap<string, RegisteredPlugin<K>>;
  private readonly kernel: K;

  constructor(plugins: Readonly<Record<string, RegisteredPlugin<K>>>, kernel: K) {
    this.plugins = new Map(Object.entries(plugins));
    this.kernel = kernel;
  }

  find(type: string, path: readonly string[]): Promise<string> {
    try {
      return Promise.resolve(this.findNow(type, path));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  findNow(type: string, path: readonly string[]): string {
    checkPluginName(type, path);
    if (!this.plugins.has(type)) throw new PluginNotFoundError(notFoundMessage(type, path));
    return type;
  }

  invoke(locator: string, stdin: string, env: Readonly<Record<string, string>>, opts: InvokeOptions = {}): Promise<RawInvocation> {
    return this.run(locator, stdin, undefined, env, opts);
  }

  /**
   * The same run with the request as a value: the skel checks the value as it would the decoded text, and an ADD's
   * result comes back as the value its printed text parses to (the text is written only if `stdout` is read).
   * Failures print their error object as text, exactly as `invoke` does.
   */
  invokeJson(locator: string, request: JsonRequest, env: Readonly<Record<string, string>>, opts: InvokeOptions = {}): Promise<JsonInvocation> {
    return this.run(locator, () => Promise.resolve(request.text()), request, env, opts);
  }

  /** invokeJson answering with the invocation itself when the plugin finished without waiting (no timeout asked). */
  invokeJsonNow(locator: string, request: JsonRequest, env: Readonly<Record<string, string>>, opts: InvokeOptions = {}): JsonInvocation | Promise<JsonInvocation> {
    if (opts.timeoutMs !== undefined) return this.run(locator, () => Promise.resolve(request.text()), request, env, opts);
    const reg = this.plugins.get(locator);
    if (reg === undefined) return notStarted(locator);
    const out = new Collected<K>(env, this.kernel, request);
    const code = runPluginNow(reg.plugin, reg.info, out);
    return typeof code === 'number' ? out.outcome(code) : code.then((c) => out.outcome(c));
  }

  private async run(
    locator: string, stdin: string | (() => Promise<string>), request: JsonRequest | undefined, env: Readonly<Record<string, string>>, opts: InvokeOptions,
  ): Promise<JsonInvocation> {
    const reg = this.plugins.get(locator);
    if (reg === undefined) return { stdout: '', stderr: '', exitCode: -1, status: `fork/exec ${locator}: no such file or directory`, timedOut: false };
    let stdout = '';
    let stderr = '';
    let json: Record<string, unknown> | undefined;
    const io: PluginIo<K> = request === undefined
      ? { env, stdin, stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, kernel: this.kernel }
      : {
        env, stdin, stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, kernel: this.kernel,
        request, stdoutJson: (v: Record<string, unknown>) => { json = v; },
      };
    const outcome = (exitCode: number): JsonInvocation => {
      const status = exitCode === 0 ? 'exit status 0' : `exit status ${exitCode}`;
      if (json === undefined) return { stdout, stderr, exitCode, status, timedOut: false };
      return new JsonOutcome(json, stdout, stderr, exitCode, status);
    };
    if (opts.timeoutMs === undefined) return outcome(await runPlugin(reg.plugin, reg.info, io));
    const run = runPlugin(reg.plugin, reg.info, io).then(outcome);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<RawInvocation>((resolve) => {
      timer = setTimeout(() => resolve({ stdout, stderr, exitCode: -1, status: 'signal: killed', timedOut: true }), opts.timeoutMs);
    });
    try {
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function notStarted(locator: string): RawInvocation {
  return { stdout: '', stderr: '', exitCode: -1, status: `fork/exec ${locator}: no such file or directory`, timedOut: false };
}

/**
 * One run's output as `run` collects it (stdout and stderr text, an ADD's result value), and the invocation it gives.
 * It is the run's PluginIo itself, its callbacks methods (no closures to build per run).
 */
class Collected<K> implements PluginIo<K> {
  out = '';
  err = '';
  json: Record<string, unknown> | undefined;

  constructor(readonly env: Readonly<Record<string, string>>, readonly kernel: K, readonly request: JsonRequest) {}

  get stdin(): () => Promise<string> {
    const request = this.request;
    return () => Promise.resolve(request.text());
  }

  stdout(s: string): void {
    this.out += s;
  }

  stderr(s: string): void {
    this.err += s;
  }

  stdoutJson(v: Record<string, unknown>): void {
    this.json = v;
  }

  outcome(exitCode: number): JsonInvocation {
    const status = exitCode === 0 ? 'exit status 0' : `exit status ${exitCode}`;
    if (this.json === undefined) return { stdout: this.out, stderr: this.err, exitCode, status, timedOut: false };
    return new JsonOutcome(this.json, this.out, this.err, exitCode, status);
  }
}

/** A successful ADD's answer: the result value, and its text (Go's 4-space indent) written only when read. */
class JsonOutcome implements JsonInvocation {
  private text: string | undefined;
  readonly timedOut = false;
  constructor(
    readonly json: Record<string, unknown>,
    private readonly before: string,
    readonly stderr: string,
    readonly exitCode: number,
    readonly status: string,
  ) {}

  get stdout(): string {
    return (this.text ??= this.before + JSON.stringify(this.json, null, 4));
  }
}
