import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CommandRunner } from '../kernel/index.js';
import { inNs, must } from './exec.js';

/** One line of `xtables-monitor --trace` about a rule, a chain's return or a policy, in one namespace. */
export interface TraceEvent {
  readonly id: string;
  readonly table: string;
  readonly chain: string;
  readonly type: 'rule' | 'return' | 'policy';
  /** ACCEPT, CONTINUE, JUMP:<chain>, DROP… */
  readonly verdict: string;
  /** The rule as iptables-save prints it (`-A CHAIN …`), for rule events. */
  readonly rule: string | null;
}

const TRACE_LINE = /^\s*TRACE: \d+ ([0-9a-f]+) ([^:\s]+):([^:\s]+):(rule|return|policy):?(\S*)\s*(.*)$/;

/** Parses one output line; undefined for PACKET lines and anything else. */
export function parseTraceLine(line: string): TraceEvent | undefined {
  const m = TRACE_LINE.exec(line);
  if (m === null) return undefined;
  const type = m[4] as TraceEvent['type'];
  const tail = m[5] ?? '';
  // For rules the first field is the nft handle (0x…): the verdict follows it.
  const verdict = type === 'rule' ? tail.replace(/^0x[0-9a-f]+:?/, '') : tail;
  const text = (m[6] ?? '').trim().replace(/^-4 -t \S+ /, '');
  return { id: m[1] ?? '', table: m[2] ?? '', chain: m[3] ?? '', type, verdict, rule: type === 'rule' && text !== '' ? text : null };
}

/**
 * The TRACE rules, inserted first in raw PREROUTING and OUTPUT: only the first packet of a probe is traced, the one
 * the emulator traces. TCP: a SYN without ACK. UDP: the client's payload starts "KWQ1". VXLAN (flannel, UDP 8472):
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
  readonly lines: string[] = [];
  readonly events: TraceEvent[] = [];

  constructor(readonly netns: string) {
    this.child = spawn('ip', ['netns', 'exec', netns, 'stdbuf', '-oL', 'xtables-monitor', '--trace'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.on('error', () => undefined);
    this.child.stdin.on('error', () => undefined);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.lines.push(line);
      const e = parseTraceLine(line);
      if (e !== undefined) this.events.push(e);
    });
  }

  /**
   * False once the monitor has exited: xtables-monitor quits when its netlink socket overflows (ENOBUFS), which a
   * burst of traced packets can cause on a busy machine.
   */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Position to read from later. */
  mark(): number {
    return this.events.length;
  }

  since(mark: number): TraceEvent[] {
    return this.events.slice(mark);
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
