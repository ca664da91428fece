import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubewireError } from '../lib/index.js';

export const CAPTURE_AGENT = join(dirname(fileURLToPath(import.meta.url)), 'agent', 'agent.mjs');
export const PCAP_NOT_INSTALLED = 'node-pcap is not installed: run scripts/setup.sh --system (libpcap-dev) and npm install';

export interface CaptureSpec {
  /** Real namespace name (`ip netns list`); the agent runs inside it. */
  readonly netns: string;
  readonly iface: string;
  readonly file: string;
  /** BPF filter expression (pcap-filter(7)), compiled by libpcap in the agent. */
  readonly filter?: string;
}

export interface CaptureHandle {
  /** The datalink name node-pcap reported, e.g. LINKTYPE_ETHERNET. */
  readonly linkType: string;
  /** SIGTERM the agent; resolves once it has drained the kernel's queue and closed the file. */
  stop(): Promise<{ packets: number }>;
}

/**
 * Whether node-pcap (optional dependency, native addon) loads in this process. The agent loads it again in its own
 * process; checking here first turns a missing addon into one clear error instead of a dead child.
 */
export async function pcapAvailable(): Promise<{ ok: true } | { ok: false; why: string }> {
  try {
    await import('pcap');
    return { ok: true };
  } catch (e) {
    return { ok: false, why: e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e) };
  }
}

/**
 * Starts capturing on `iface` inside `netns` into `file` (classic pcap). A packet socket is bound to the namespace of
 * the process that opens it, so this runs the agent under `ip netns exec`, in its own process group (a Ctrl-C on the
 * terminal reaches us, and we stop the agent in order, instead of both racing). Resolves once the session is open.
 */
export async function startCapture(spec: CaptureSpec, timeoutMs = 30_000): Promise<CaptureHandle> {
  const avail = await pcapAvailable();
  if (!avail.ok) throw new KubewireError('KW_CAPTURE_NOT_INSTALLED', `${PCAP_NOT_INSTALLED} (${avail.why})`);
  const file = resolve(spec.file);
  const what = `capture on ${spec.netns}:${spec.iface}`;
  const child = spawn('ip', ['netns', 'exec', spec.netns, process.execPath, CAPTURE_AGENT, spec.iface, file, ...(spec.filter === undefined ? [] : [spec.filter])], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));

  const linkType = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new KubewireError('KW_CAPTURE_START', `${what}: the agent did not report ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onData = (): void => {
      const m = /^ready (\S+)\n/m.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      res(m[1] ?? '');
    };
    child.stdout.on('data', onData);
    child.on('error', (e) => {
      clearTimeout(timer);
      rej(new KubewireError('KW_CAPTURE_START', `${what}: cannot run ip netns exec: ${e.message}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      const msg = err.trim() || `the agent exited with ${code ?? 'a signal'}`;
      rej(new KubewireError(code === 3 ? 'KW_CAPTURE_NOT_INSTALLED' : 'KW_CAPTURE_START', `${what}: ${msg}`));
    });
  });

  let stopped: Promise<{ packets: number }> | undefined;
  return {
    linkType,
    stop: () => {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const code = await exited;
        const m = /^stopped (\d+)\n/m.exec(out);
        if (m === null) throw new KubewireError('KW_CAPTURE_STOP', `${what}: the agent exited with ${code ?? 'a signal'} without closing ${file}${err.trim() === '' ? '' : `: ${err.trim()}`}`);
        return { packets: Number(m[1]) };
      })();
      return stopped;
    },
  };
}
