import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PodInfo } from '../cluster/index.js';
import { KubewireError } from '../lib/index.js';

export const AGENT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'agent');
export const RESPONDER = join(AGENT_DIR, 'responder.mjs');
export const CLIENT = join(AGENT_DIR, 'client.mjs');

/** The sockets a pod's responder opens: every declared containerPort, on TCP and on UDP. */
export function responderSpecs(pod: PodInfo): string[] {
  const ports = [...new Set(pod.ports.map((p) => p.containerPort))].sort((a, b) => a - b);
  return ports.flatMap((p) => [`tcp:${p}`, `udp:${p}`]);
}

/**
 * Starts the responder in a pod's namespace as a detached process that outlives `kubewire realize`, and waits for
 * its "ready" line. `onPid` is called as soon as the process exists (before it is ready), so the state file can name
 * it even if we are killed while waiting.
 */
export function startResponder(netns: string, pod: PodInfo, logFile: string, onPid: (pid: number) => void, timeoutMs = 60_000): Promise<number> {
  const specs = responderSpecs(pod);
  return new Promise((resolve, reject) => {
    const log = openSync(logFile, 'a');
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, RESPONDER, pod.key, ...specs], { detached: true, stdio: ['ignore', 'pipe', log] });
    closeSync(log);
    const stdout = child.stdout;
    if (child.pid !== undefined) onPid(child.pid);
    let out = '';
    const timer = setTimeout(() => fail(`did not report ready within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      stdout?.destroy();
      reject(new KubewireError('KW_REALIZE_RESPONDER', `responder for pod ${pod.key} in ${netns} ${why} (log: ${logFile})`));
    };
    child.on('error', (e) => fail(`could not start: ${e.message}`));
    child.on('exit', (code) => fail(`exited with ${code ?? 'a signal'}`));
    stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (!out.includes('ready\n')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      stdout?.destroy();
      child.unref();
      resolve(child.pid ?? 0);
    });
  });
}

/** Whether pid is still one of our responders (guards against killing a recycled pid). */
export function isResponder(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('responder.mjs');
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
export async function stopProcess(pid: number, graceMs = 2000): Promise<void> {
  if (!isResponder(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = graceMs / 50;
  for (let i = 0; i < deadline; i++) {
    await new Promise((r) => setTimeout(r, 50));
    if (!isResponder(pid)) return;
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
  for (let i = 0; i < 40 && isResponder(pid); i++) await new Promise((r) => setTimeout(r, 50));
}
