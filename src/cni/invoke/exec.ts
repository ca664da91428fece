import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkPluginName, notFoundMessage, PluginNotFoundError, type InvokeOptions, type PluginInvoker, type RawInvocation } from './invoker.js';

/**
 * Plugins as real executables (libcni's RawExec): found on CNI_PATH as regular files, run with the request on stdin
 * and the CNI_* variables in the environment, stdout/stderr captured. A timeout kills the process with SIGKILL
 * (what Go's exec.CommandContext does when the context expires).
 */
export class ExecInvoker implements PluginInvoker {
  async find(type: string, path: readonly string[]): Promise<string> {
    checkPluginName(type, path);
    for (const dir of path) {
      const full = join(dir, type);
      try {
        // Go checks Mode().IsRegular() only; a non-executable file is found and then fails to start.
        if ((await stat(full)).isFile()) return full;
      } catch {
        // not in this directory
      }
    }
    throw new PluginNotFoundError(notFoundMessage(type, path));
  }

  invoke(locator: string, stdin: string, env: Readonly<Record<string, string>>, opts: InvokeOptions = {}): Promise<RawInvocation> {
    return new Promise((resolve) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      let settled = false;
      const done = (r: Omit<RawInvocation, 'stdout' | 'stderr' | 'timedOut'>): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        resolve({ ...r, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
      };
      const child = spawn(locator, [], { env: { ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
      const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, opts.timeoutMs);
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', (e: NodeJS.ErrnoException) => {
        const reason = e.code === 'EACCES' ? 'permission denied' : e.code === 'ENOENT' ? 'no such file or directory' : e.message;
        done({ exitCode: -1, status: `fork/exec ${locator}: ${reason}` });
      });
      child.on('close', (code, signal) => {
        if (signal !== null) done({ exitCode: -1, status: `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` });
        else done({ exitCode: code ?? -1, status: `exit status ${code ?? -1}` });
      });
      // A plugin that exits without reading stdin makes the write fail with EPIPE: that is not our error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    });
  }
}
