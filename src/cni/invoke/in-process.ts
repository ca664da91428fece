import type { CniPlugin, PluginInfo } from '../skel/plugin.js';
import { runPlugin } from '../skel/run-plugin.js';
import { checkPluginName, notFoundMessage, PluginNotFoundError, type InvokeOptions, type PluginInvoker, type RawInvocation } from './invoker.js';

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
      checkPluginName(type, path);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    if (!this.plugins.has(type)) return Promise.reject(new PluginNotFoundError(notFoundMessage(type, path)));
    return Promise.resolve(type);
  }

  async invoke(locator: string, stdin: string, env: Readonly<Record<string, string>>, opts: InvokeOptions = {}): Promise<RawInvocation> {
    const reg = this.plugins.get(locator);
    if (reg === undefined) return { stdout: '', stderr: '', exitCode: -1, status: `fork/exec ${locator}: no such file or directory`, timedOut: false };
    let stdout = '';
    let stderr = '';
    const run = runPlugin(reg.plugin, reg.info, {
      env,
      stdin,
      stdout: (s) => { stdout += s; },
      stderr: (s) => { stderr += s; },
      kernel: this.kernel,
    }).then((exitCode): RawInvocation => ({ stdout, stderr, exitCode, status: `exit status ${exitCode}`, timedOut: false }));
    if (opts.timeoutMs === undefined) return run;
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
