import type { Command } from 'commander';
import { buildClusterAuto } from '../cluster/index.js';
import { InputError } from '../lib/index.js';
import { type RealizeProgress, cleanupAll, down, realize, renderRealized, renderVerifyReport, verify, verifyReportJson } from '../realize/index.js';
import { loadTopology } from '../topology/index.js';
import { type OnSpec, captureAround, parseOn, registerCaptureCommand } from './capture-command.js';

interface Io {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

function cniPathOpt(v: string | undefined): { cniPath?: string[] } {
  return v === undefined ? {} : { cniPath: v.split(':').filter((d) => d !== '') };
}

function progressLine(io: Io): (p: RealizeProgress) => void {
  return (p) => io.stderr(`[${p.step}${p.total === undefined ? '' : ` ${(p.done ?? 0) + 1}/${p.total}`}] ${p.text}\n`);
}

function parseCount(flag: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new InputError('KW_CLI_USAGE', `${flag} "${v}" is not a positive whole number`);
    return Number(v);
  };
}

/** `realize`, `down`, `verify` and (unless another module registered it) `cleanup`: the real-kernel commands. */
export function registerRealizeCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('realize')
    .description('build the topology out of real network namespaces (root): switch, nodes, pods via the CNI chain, kube-proxy rules, responders')
    .argument('<topology>', 'topology YAML file')
    .option('--cni-path <dirs>', 'CNI_PATH for the pod chain (default: kubewire\'s cni-plugins/bin; e.g. /usr/lib/cni for Debian\'s)')
    .option('--prefix <kw-xxxx>', 'name prefix (default: derived from the topology path)')
    .action(async (topology: string, o: { cniPath?: string; prefix?: string }) => {
      const cluster = await buildClusterAuto(await loadTopology(topology));
      const state = await realize(cluster, { ...cniPathOpt(o.cniPath), ...(o.prefix === undefined ? {} : { prefix: o.prefix }), onProgress: progressLine(io) });
      io.stdout(renderRealized(state));
    });

  program
    .command('down')
    .description('remove what `kubewire realize <topology>` created')
    .argument('<topology>', 'topology YAML file')
    .option('--prefix <kw-xxxx>', 'name prefix (default: derived from the topology path)')
    .action(async (topology: string, o: { prefix?: string }) => {
      const t = await loadTopology(topology);
      const r = await down(t.file, o.prefix === undefined ? {} : { prefix: o.prefix });
      io.stdout(`${r.prefix}: removed ${r.namespaces.length} namespaces, ${r.processes} responders${r.links.length > 0 ? `, host links ${r.links.join(' ')}` : ''}\n`);
    });

  program
    .command('verify')
    .description('check emulated traces against the real kernel: realize (if not up), probe, compare outcome, source, rules and distribution (exit 1 on any disagreement)')
    .argument('<topology>', 'topology YAML file')
    .option('--probes <n>', 'how many probes to pick (default 50)', parseCount('--probes'))
    .option('--seed <s>', 'seed for picking probes (default 1)', parseCount('--seed'))
    .option('--probe <from,ip:port[,proto]>', 'run this probe instead of picked ones (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--connections <n>', 'connections per distribution check (default 120)', parseCount('--connections'))
    .option('--cni-path <dirs>', 'CNI_PATH when verify has to realize the topology')
    .option('--json', 'print {"summary":…,"probes":[…]}')
    .option('--capture <dir>', 'capture during the probes into <dir>/capture-<target>-<iface>.pcap (root, node-pcap)')
    .option('--capture-on <target:iface>', 'where to capture (repeatable; default: every node\'s eth0), as kubewire capture --on', (v: string, acc: OnSpec[] | undefined) => [...(acc ?? []), parseOn(v)])
    .action(async (topology: string, o: { probes?: number; seed?: number; probe: string[]; connections?: number; cniPath?: string; json?: boolean; capture?: string; captureOn?: OnSpec[] }) => {
      if (o.captureOn !== undefined && o.capture === undefined) throw new InputError('KW_CLI_USAGE', '--capture-on needs --capture <dir>');
      const cluster = await buildClusterAuto(await loadTopology(topology));
      const report = await verify(cluster, {
        ...(o.probes === undefined ? {} : { probes: o.probes }),
        ...(o.seed === undefined ? {} : { seed: o.seed }),
        ...(o.connections === undefined ? {} : { connections: o.connections }),
        given: o.probe,
        // Reports go to stderr, so --json output stays one JSON document.
        ...(o.capture === undefined ? {} : { around: captureAround(o.capture, o.captureOn ?? [], undefined, { stdout: io.stderr, stderr: io.stderr }) }),
        realize: { ...cniPathOpt(o.cniPath), onProgress: progressLine(io) },
        onProgress: (text, done, total) => io.stderr(`[verify${total === undefined ? '' : ` ${(done ?? 0) + 1}/${total}`}] ${text}\n`),
      });
      io.stdout(o.json === true ? JSON.stringify(verifyReportJson(report), null, 2) + '\n' : renderVerifyReport(report, topology));
      setExit(report.summary.disagreed > 0 ? 1 : 0);
    });

  registerCaptureCommand(program, io);

  // Realized clusters also own responder processes and state files, which a namespace sweep alone would leave
  // behind (a namespace lives on while a process is inside it): clean them first, before an existing `cleanup`.
  const sweepRealized = async (): Promise<void> => {
    for (const r of await cleanupAll()) io.stdout(`${r.prefix}: removed ${r.namespaces.length} namespaces, ${r.processes} responders${r.links.length > 0 ? `, host links ${r.links.join(' ')}` : ''}\n`);
  };
  const existing = program.commands.find((c) => c.name() === 'cleanup');
  if (existing !== undefined) {
    existing.hook('preAction', sweepRealized);
    return;
  }
  program
    .command('cleanup')
    .description('remove every realized cluster and anything named kw-<4 hex>-… left by a crash (namespaces, host links, state files)')
    .action(sweepRealized);
}
