import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { KubewireError } from '../lib/index.js';
import { CLIENT } from './responders.js';

export interface ClientRequest {
  readonly proto: 'tcp' | 'udp';
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
  readonly timeoutMs: number;
}

export type ClientAnswer = { readonly ok: true; readonly answer: string } | { readonly ok: false; readonly error: string };

interface Agent {
  readonly child: ChildProcessWithoutNullStreams;
  readonly waiting: Map<number, (a: ClientAnswer) => void>;
  readonly ready: Promise<void>;
}

/**
 * One probe client per namespace (src/realize/agent/client.mjs started with `ip netns exec`), spoken to over its
 * stdin/stdout, so probes need no network path from the host namespace. Agents start on first use; close() ends them.
 */
export class ClientPool {
  private readonly agents = new Map<string, Agent>();
  private nextId = 1;

  send(netns: string, req: ClientRequest): Promise<ClientAnswer> {
    const agent = this.agent(netns);
    const id = this.nextId++;
    return agent.ready.then(
      () =>
        new Promise<ClientAnswer>((resolve) => {
          agent.waiting.set(id, resolve);
          agent.child.stdin.write(JSON.stringify({ id, ...req }) + '\n');
        }),
    );
  }

  private agent(netns: string): Agent {
    const have = this.agents.get(netns);
    if (have !== undefined) return have;
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, CLIENT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const waiting = new Map<number, (a: ClientAnswer) => void>();
    let stderr = '';
    child.stdin.on('error', () => undefined);
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const ready = new Promise<void>((resolve, reject) => {
      child.on('error', (e) => reject(new KubewireError('KW_VERIFY_CLIENT', `probe client in ${netns} could not start: ${e.message}`)));
      child.on('exit', (code) => {
        const err = new KubewireError('KW_VERIFY_CLIENT', `probe client in ${netns} exited (${code ?? 'signal'}): ${stderr.trim()}`);
        reject(err);
        for (const w of waiting.values()) w({ ok: false, error: err.message });
        waiting.clear();
      });
      createInterface({ input: child.stdout }).on('line', (line) => {
        let v: { id?: unknown; ok?: unknown; answer?: unknown; error?: unknown };
        try {
          v = JSON.parse(line) as typeof v;
        } catch {
          return;
        }
        if (v.id === 0) return resolve();
        if (typeof v.id !== 'number') return;
        const w = waiting.get(v.id);
        waiting.delete(v.id);
        w?.(v.ok === true ? { ok: true, answer: String(v.answer) } : { ok: false, error: String(v.error) });
      });
    });
    const agent = { child, waiting, ready };
    this.agents.set(netns, agent);
    return agent;
  }

  async close(): Promise<void> {
    const exits = [...this.agents.values()].map(
      (a) =>
        new Promise<void>((resolve) => {
          if (a.child.exitCode !== null || a.child.signalCode !== null) return resolve();
          a.child.once('exit', () => resolve());
          a.child.stdin.end();
          setTimeout(() => a.child.kill('SIGKILL'), 3000).unref();
        }),
    );
    await Promise.all(exits);
    this.agents.clear();
  }
}
