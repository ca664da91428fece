import { spawn } from 'node:child_process';
import { ExecInvoker, type InvokeOptions, type PluginInvoker, type RawInvocation } from '../cni/index.js';

/**
 * Runs CNI plugins as executables inside a node's namespace (`ip netns exec <node> <plugin>`): for a plugin the
 * namespace it runs in is the "host", so the bridge, the host veth ends and any iptables rules land in the node, not
 * in the machine's own namespace. Finding plugins is ExecInvoker's (CNI_PATH, regular files).
 */
export class NetnsExecInvoker implements PluginInvoker {
  private readonly exec = new ExecInvoker();

  constructor(private readonly netns: string) {}

  find(type: string, path: readonly string[]): Promise<string> {
    return this.exec.find(type, path);
  }

  invoke(locator: string, stdin: string, env: Readonly<Record<string, string>>, opts: InvokeOptions = {}): Promise<RawInvocation> {
    return new Promise((resolve) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      let settled = false;
      const child = spawn('ip', ['netns', 'exec', this.netns, locator], { env: { ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
      const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, opts.timeoutMs);
      const done = (exitCode: number, status: string): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        resolve({ exitCode, status, timedOut, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      };
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', (e) => done(-1, `fork/exec ip: ${e.message}`));
      child.on('close', (code, signal) => (signal !== null ? done(-1, `signal: ${signal === 'SIGKILL' ? 'killed' : signal}`) : done(code ?? -1, `exit status ${code ?? -1}`)));
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    });
  }
}
