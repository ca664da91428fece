import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { checkKwName, LinuxKernel, NetnsOwners, netnsPath, NodeCommandRunner, type Kernel, type KernelLink } from '../../kernel/index.js';
import type { Run } from './types.js';

/** What the validator compares before and after: both namespaces, the host's nat table and the IPAM leases. */
export interface Snapshot {
  readonly hostLinks: readonly KernelLink[];
  readonly contLinks: readonly KernelLink[];
  readonly contAddrs: readonly string[];
  readonly contRoutes: readonly string[];
  readonly iptables: string;
  readonly leases: readonly string[];
}

/**
 * Two throwaway namespaces, `kw-v-<random>-h` (the plugin's "host": it is executed inside it with `ip netns exec`) and
 * `kw-v-<random>-c` (the container), plus a temporary IPAM dataDir, so a plugin under test never touches the machine's
 * own network. `close()` removes everything; call it in a finally.
 */
export class Sandbox {
  readonly id = randomBytes(3).toString('hex');
  readonly hostNs = `kw-v-${this.id}-h`;
  readonly contNs = `kw-v-${this.id}-c`;
  readonly kernel: Kernel = new LinuxKernel(new NodeCommandRunner());
  private readonly extra: string[] = [];
  dataDir = '';
  /** Per plugin run; a run that takes longer is killed and reported as timed out. */
  timeoutMs = 300_000;

  private readonly owners = new NetnsOwners();

  /** The owner group of this sandbox's namespaces (`kubewire cleanup` keeps them while this process lives). */
  get group(): string {
    return `kw-v-${this.id}`;
  }

  async open(): Promise<void> {
    checkKwName(this.hostNs);
    this.owners.claim(this.group);
    await this.kernel.netns.add(this.hostNs);
    await this.kernel.netns.add(this.contNs);
    await this.kernel.link.setUp(this.hostNs, 'lo', true);
    this.dataDir = await mkdtemp(join(tmpdir(), 'kw-v-'));
  }

  get contPath(): string {
    return netnsPath(this.contNs);
  }

  /** Another container namespace (for a second attachment). */
  async extraContainer(tag: string): Promise<string> {
    const name = `kw-v-${this.id}-${tag}`;
    checkKwName(name);
    await this.kernel.netns.add(name);
    this.extra.push(name);
    return netnsPath(name);
  }

  async close(): Promise<void> {
    for (const ns of [this.hostNs, this.contNs, ...this.extra]) await this.kernel.netns.del(ns).catch(() => undefined);
    if (this.dataDir !== '') await rm(this.dataDir, { recursive: true, force: true });
    this.owners.release(this.group);
  }

  /** Run the plugin inside the host namespace with exactly these CNI_* variables and PATH. */
  run(plugin: string, env: Readonly<Record<string, string>>, input: string, timeoutMs = this.timeoutMs): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', this.hostNs, plugin], { env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      const done = (exitCode: number) => {
        clearTimeout(timer);
        resolve({ input, env, exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ...(timedOut ? { timedOut: true } : {}) });
      };
      child.on('error', (e) => { err.push(Buffer.from(e.message)); done(-1); });
      child.on('close', (code) => done(code ?? -1));
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    });
  }

  async snapshot(): Promise<Snapshot> {
    const k = this.kernel;
    const leases: string[] = [];
    for (const net of await readdir(this.dataDir).catch(() => [] as string[])) {
      for (const f of await readdir(join(this.dataDir, net)).catch(() => [] as string[])) if (f !== 'lock' && !f.startsWith('last_reserved_ip')) leases.push(`${net}/${f}`);
    }
    return {
      hostLinks: await k.link.list(this.hostNs),
      contLinks: await k.link.list(this.contNs),
      contAddrs: (await k.addr.list(this.contNs)).map((a) => `${a.dev} ${a.cidr}`),
      contRoutes: (await k.route.list(this.contNs)).map((r) => `${r.dst}${r.gw === undefined ? '' : ` via ${r.gw}`} dev ${r.dev ?? '?'}`),
      iptables: await k.iptables.save(this.hostNs, 'nat').catch(() => ''),
      leases,
    };
  }
}
