import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CommandRunner } from '../kernel/index.js';
import { KubewireError } from '../lib/index.js';
import { inNs, must } from './exec.js';
import { SENTINEL_PORTS, SENTINEL_PORT_BASE, TraceStream } from './trace-stream.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { parseTraceLine, type TraceEvent } from './trace-stream.js';

/**
 * The TRACE rules, inserted first in raw PREROUTING and OUTPUT. They trace a probe's first packet, the one the
 * emulator traces (and any retransmission of it, and our sentinels, which trace-stream.ts tells apart: raw runs
 * before conntrack, so no ctstate test can tell a retransmitted SYN from the first here). TCP: a SYN without ACK. UDP: the client's payload starts "KWQ1". VXLAN (flannel, UDP 8472):
 * the same two tests on the inner packet, found with u32 at fixed offsets (outer IPv4 20 + UDP 8 + VXLAN 8 +
 * Ethernet 14 = inner IPv4 at 50; no IP options in probes).
 */
export const TRACE_RULES: readonly string[][] = [
  ['-p', 'tcp', '--tcp-flags', 'SYN,ACK', 'SYN'],
  ['-p', 'udp', '-m', 'u32', '--u32', '28=0x4b575131'],
  ['-p', 'udp', '--dport', '8472', '-m', 'u32', '--u32', '56&0xFF=0x6&&80&0x12=0x2'],
  ['-p', 'udp', '--dport', '8472', '-m', 'u32', '--u32', '56&0xFF=0x11&&78=0x4b575131'],
];

export async function installTraceRules(runner: CommandRunner, ns: string): Promise<void> {
  for (const chain of ['PREROUTING', 'OUTPUT']) {
    for (const [i, r] of TRACE_RULES.entries()) {
      await must(runner, inNs(ns, ['iptables', '-w', '-t', 'raw', '-I', chain, String(i + 1), ...r, '-m', 'comment', '--comment', 'kubewire verify', '-j', 'TRACE']));
    }
  }
}

export async function removeTraceRules(runner: CommandRunner, ns: string): Promise<void> {
  for (const chain of ['PREROUTING', 'OUTPUT']) {
    for (const r of TRACE_RULES) {
      await runner.run(inNs(ns, ['iptables', '-w', '-t', 'raw', '-D', chain, ...r, '-m', 'comment', '--comment', 'kubewire verify', '-j', 'TRACE']));
    }
  }
}

/** `xtables-monitor --trace` in one namespace (line-buffered through stdbuf), collecting events as they come. */
export class TraceMonitor {
  private readonly child: ChildProcessWithoutNullStreams;
  readonly stream = new TraceStream();
  private nextSentinel = 0;

  constructor(readonly netns: string) {
    this.child = spawn('ip', ['netns', 'exec', netns, 'stdbuf', '-oL', 'xtables-monitor', '--trace'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.on('error', () => undefined);
    this.child.stdin.on('error', () => undefined);
    createInterface({ input: this.child.stdout }).on('line', (line) => this.stream.push(line));
  }

  /**
   * False once the monitor has exited: xtables-monitor quits when its netlink socket overflows (ENOBUFS), which a
   * burst of traced packets can cause on a busy machine.
   */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Sends a sentinel SYN to 127.0.0.1:9 inside the namespace (through `send`, which must not wait long for the
   * refusal) and waits until the monitor has printed it; returns the stream position of its first line. Everything
   * the kernel traced in this namespace before the sentinel left is then before that position: trace messages reach
   * the monitor's netlink socket in the order they were generated, and xtables-monitor prints them in that order.
   * A quiet period would not do: on a busy machine the monitor can fall behind by more than any fixed pause. A
   * sentinel lost because the monitor had not subscribed yet is sent again, with a new source port, after resendMs,
   * then twice as long each time (at most 2 s: a monitor that is merely behind should not get more to print).
   */
  async barrier(send: (sport: number) => Promise<unknown>, o: { timeoutMs: number; resendMs: number }): Promise<number> {
    const sent: number[] = [];
    const start = performance.now();
    let lastSend = -Infinity;
    let gap = o.resendMs;
    for (;;) {
      for (const p of sent) {
        const at = this.stream.sentinelsAt.get(p);
        if (at !== undefined) return at;
      }
      if (!this.alive) throw new KubewireError('KW_VERIFY_MONITOR', `xtables-monitor in ${this.netns} exited; its trace is incomplete`);
      const now = performance.now();
      if (now - start > o.timeoutMs) {
        throw new KubewireError('KW_VERIFY_MONITOR', `xtables-monitor --trace in ${this.netns} did not report a traced sentinel SYN within ${o.timeoutMs} ms: is the TRACE target available, is the machine overloaded?`);
      }
      if (now - lastSend >= gap) {
        if (sent.length > 0) gap = Math.min(gap * 2, 2000);
        const sport = SENTINEL_PORT_BASE + (this.nextSentinel++ % SENTINEL_PORTS);
        // A port still in the stream from a long-gone sentinel must not count: forget it before reuse.
        this.stream.sentinelsAt.delete(sport);
        sent.push(sport);
        lastSend = now;
        void send(sport).catch(() => undefined);
      }
      await sleep(5);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
      setTimeout(() => this.child.kill('SIGKILL'), 2000).unref();
    });
  }
}
