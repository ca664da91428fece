import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { type CaptureHandle, startCapture } from '../capture/index.js';
import { InputError, KubewireError } from '../lib/index.js';
import { type RealizedState, StateStore, checkPrefix, prefixFor } from '../realize/index.js';

interface Io {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

/** One `--on <target>:<iface>`: target is a node name, `pod/<ns>/<name>`, `external/<name>` or `switch`. */
export interface OnSpec {
  readonly target: string;
  readonly iface: string;
}

export interface CapturePoint extends OnSpec {
  readonly netns: string;
  readonly file: string;
}

/** Splits at the first ':' (object names cannot contain one; interface names can, as in eth0:1). */
export function parseOn(v: string): OnSpec {
  const i = v.indexOf(':');
  const target = i < 0 ? '' : v.slice(0, i);
  const iface = i < 0 ? '' : v.slice(i + 1);
  if (target === '' || iface === '') throw new InputError('KW_CLI_USAGE', `--on "${v}" must be <node|pod/<ns>/<name>|external/<name>|switch>:<interface>, e.g. node-a:eth0`);
  return { target, iface };
}

/** The state of a realized topology, or an error that says how to realize it. */
export function realizedState(topology: string, prefix: string | undefined, store: StateStore = new StateStore()): RealizedState {
  const p = prefix === undefined ? prefixFor(topology) : checkPrefix(prefix);
  const s = store.load(p);
  if (s === undefined) throw new KubewireError('KW_CAPTURE_NOT_REALIZED', `topology ${topology} is not realized (no state ${store.file(p)}): run kubewire realize ${topology} first`);
  if (s.status !== 'up') throw new KubewireError('KW_CAPTURE_NOT_REALIZED', `topology ${topology} (${p}) is only half realized (a realize is running or failed): run kubewire realize ${topology} again, or kubewire down ${topology}`);
  return s;
}

function netnsOf(s: RealizedState, target: string): string | undefined {
  if (target === 'switch') return s.switchNs;
  if (target.startsWith('pod/')) return s.pods[target.slice(4)]?.netns;
  if (target.startsWith('external/')) return s.externals[target.slice(9)]?.netns;
  return s.nodes[target]?.netns;
}

/**
 * Maps each `--on` to the real namespace the realize state recorded for it, and to its output file: `out` itself for
 * a single point, `<out>-<target>-<iface>.pcap` for several (classic pcap has no interface field, so one file each).
 */
export function capturePoints(s: RealizedState, ons: readonly OnSpec[], out: string, perPoint = ons.length !== 1): CapturePoint[] {
  if (ons.length === 0) throw new InputError('KW_CLI_USAGE', 'capture needs at least one --on <target>:<interface>');
  const points = ons.map((o) => {
    const netns = netnsOf(s, o.target);
    if (netns === undefined) {
      const known = ['switch', ...Object.keys(s.nodes), ...Object.keys(s.pods).map((k) => `pod/${k}`), ...Object.keys(s.externals).map((k) => `external/${k}`)];
      throw new InputError('KW_CLI_USAGE', `--on ${o.target}:${o.iface}: ${o.target} is not in realized cluster ${s.prefix} (known: ${known.join(', ')})`);
    }
    const ext = extname(out) === '' ? '.pcap' : extname(out);
    const file = !perPoint ? out : join(dirname(out), `${basename(out, extname(out))}-${o.target.replaceAll('/', '-')}-${o.iface.replaceAll(/[/:]/g, '-')}${ext}`);
    return { ...o, netns, file };
  });
  const seen = new Set<string>();
  for (const p of points) {
    if (seen.has(p.file)) throw new InputError('KW_CLI_USAGE', `--on ${p.target}:${p.iface} is given twice`);
    seen.add(p.file);
  }
  return points;
}

function parseSeconds(v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0) throw new InputError('KW_CLI_USAGE', `--seconds "${v}" is not a positive number`);
  return Number(v);
}

/** Waits for the duration, or (without one) for Ctrl-C / SIGTERM on the CLI. */
function waitFor(seconds: number | undefined): Promise<void> {
  return new Promise((res) => {
    const done = (): void => {
      clearTimeout(timer);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      res();
    };
    const timer = seconds === undefined ? undefined : setTimeout(done, seconds * 1000);
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

/**
 * For `verify --capture <dir>`: starts a capture per point (default: every node's eth0, the node network) once the
 * cluster is up, and returns what stops them and reports each file.
 */
export function captureAround(dir: string, ons: readonly OnSpec[], filter: string | undefined, io: Io): (s: RealizedState) => Promise<() => Promise<void>> {
  return async (s) => {
    const chosen = ons.length > 0 ? ons : Object.keys(s.nodes).map((n) => ({ target: n, iface: 'eth0' }));
    const points = capturePoints(s, chosen, join(dir, 'capture.pcap'), true);
    mkdirSync(dir, { recursive: true });
    const handles = await startAll(points, filter);
    return () => stopAll(handles, io);
  };
}

async function startAll(points: readonly CapturePoint[], filter: string | undefined): Promise<{ point: CapturePoint; h: CaptureHandle }[]> {
  const handles: { point: CapturePoint; h: CaptureHandle }[] = [];
  try {
    for (const point of points) handles.push({ point, h: await startCapture({ netns: point.netns, iface: point.iface, file: point.file, ...(filter === undefined ? {} : { filter }) }) });
  } catch (e) {
    // Stop what did start, so no agent outlives a failed start.
    for (const { h } of handles) await h.stop().catch(() => undefined);
    throw e;
  }
  return handles;
}

async function stopAll(handles: readonly { point: CapturePoint; h: CaptureHandle }[], io: Io): Promise<void> {
  for (const { point, h } of handles) {
    try {
      const { packets } = await h.stop();
      io.stdout(`${point.file}: ${packets} packets (${point.target}:${point.iface} in ${point.netns})\n`);
    } catch (e) {
      io.stderr(`${point.file}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

/** `kubewire capture <topology> --on …:<iface> --out file.pcap`: capture inside a realized topology. */
export function registerCaptureCommand(program: Command, io: Io): void {
  program
    .command('capture')
    .description('capture packets on interfaces of a realized topology into pcap files (root, node-pcap); stop after --seconds or on Ctrl-C')
    .argument('<topology>', 'topology YAML file (realized with kubewire realize)')
    .option('--on <target:iface>', 'where: node-a:eth0, pod/demo/client:eth0, external/client:eth0, switch:br0 (repeatable, at least one)', (v: string, acc: OnSpec[] | undefined) => [...(acc ?? []), parseOn(v)])
    .requiredOption('--out <file.pcap>', 'output file (with several --on: <file>-<target>-<iface>.pcap each)')
    .option('--seconds <n>', 'stop after n seconds (default: on Ctrl-C)', parseSeconds)
    .option('--filter <bpf>', 'BPF filter expression, as for tcpdump (pcap-filter(7))')
    .option('--prefix <kw-xxxx>', 'name prefix (default: derived from the topology path)')
    .action(async (topology: string, o: { on?: OnSpec[]; out: string; seconds?: number; filter?: string; prefix?: string }) => {
      const points = capturePoints(realizedState(topology, o.prefix), o.on ?? [], o.out);
      const handles = await startAll(points, o.filter);
      try {
        io.stderr(`capturing on ${points.map((p) => `${p.target}:${p.iface}`).join(', ')}${o.seconds === undefined ? ' (Ctrl-C to stop)' : ` for ${o.seconds} s`}\n`);
        await waitFor(o.seconds);
      } finally {
        await stopAll(handles, io);
      }
    });
}
