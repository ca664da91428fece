/**
 * `npm run bench [-- --quick] [-- --json] [-- --section NAME ...]`: prints one figure a line as `name: value unit`.
 * Figures, never assertions: speed and memory targets are read from here, not from unit tests.
 *
 * Each section runs in a fresh Node process of its own. Peak RSS is the kernel's high-water mark for the
 * whole process, and V8's heap and GC state carry over from one workload to the next, so in one shared
 * process a section would be charged with the memory and collections of the sections before it (the
 * 150,000-pod topology's gigabyte, for one). A fresh process per section measures each workload alone,
 * as a user running that one job would see it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchFigure } from './bench/figure.js';

type Section = (ctx: BenchContext) => Promise<void> | void;

/** In the order they print; each entry loads only its own module, so a child compiles only what it runs. */
const SECTIONS: Readonly<Record<string, () => Promise<Section>>> = {
  foundation: async () => (await import('./bench/foundation.js')).benchFoundation,
  cni: async () => (await import('./bench/cni.js')).benchCni,
  iptables: async () => (await import('./bench/iptables.js')).benchIptables,
  netfilter: async () => (await import('./bench/netfilter.js')).benchNetfilter,
  modes: async () => (await import('./bench/modes.js')).benchModes,
  'control-plane': async () => (await import('./bench/control-plane.js')).benchControlPlane,
  realize: async () => (await import('./bench/realize.js')).benchRealize,
};

/**
 * V8 flags a section's process gets beyond this one's: those the command it models runs with. The control plane is
 * what `kubewire serve` runs, and bin/kubewire starts `serve` with a larger young generation (see there why).
 */
const SECTION_V8_FLAGS: Readonly<Record<string, readonly string[]>> = {
  'control-plane': ['--max-semi-space-size=64'],
};

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const json = argv.includes('--json');
const valueOf = (flag: string): string[] => argv.flatMap((a, i) => (a === flag && argv[i + 1] !== undefined ? [argv[i + 1] as string] : []));
const wanted = valueOf('--section');
const unknown = wanted.filter((s) => !(s in SECTIONS));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown section ${unknown.join(', ')} (sections: ${Object.keys(SECTIONS).join(', ')})\n`);
  process.exit(2);
}
const figuresOut = valueOf('--figures-out')[0];

if (figuresOut !== undefined) {
  // A child: run the one section asked for and leave its figures, as JSON, where the parent said.
  const figures: BenchFigure[] = [];
  const load = SECTIONS[wanted[0] ?? ''];
  if (load === undefined || wanted.length !== 1) throw new Error('bench: --figures-out runs exactly one --section');
  const section = await load();
  await section({
    quick,
    report: (f) => {
      figures.push(f);
      if (!json) process.stdout.write(`${f.name}: ${f.value} ${f.unit}\n`);
    },
    note: (t) => (json ? process.stderr : process.stdout).write(`${t}\n`),
  });
  writeFileSync(figuresOut, JSON.stringify(figures));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-'));
  const figures: BenchFigure[] = [];
  let failed = false;
  try {
    for (const name of wanted.length > 0 ? wanted : Object.keys(SECTIONS)) {
      const out = join(dir, `${name}.json`);
      // The same Node flags and loader as this process (npm's --expose-gc and the ts-node hook).
      const args = [...process.execArgv, ...(SECTION_V8_FLAGS[name] ?? []), fileURLToPath(import.meta.url), '--section', name, '--figures-out', out];
      if (quick) args.push('--quick');
      if (json) args.push('--json');
      const code = await new Promise<number>((resolve) => {
        spawn(process.execPath, args, { stdio: 'inherit' }).on('close', (c, signal) => resolve(c ?? (signal === null ? 1 : 128)));
      });
      if (code !== 0) {
        process.stderr.write(`bench: section ${name} failed (exit ${code})\n`);
        failed = true;
        continue;
      }
      figures.push(...(JSON.parse(readFileSync(out, 'utf8')) as BenchFigure[]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (json) process.stdout.write(JSON.stringify({ quick, figures }, null, 2) + '\n');
  if (failed) process.exitCode = 1;
}
