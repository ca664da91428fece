import { KernelError, type CommandRunner } from '../kernel/index.js';

/** Runs argv through the runner and rejects with the tool's stderr when it fails. */
export async function must(runner: CommandRunner, argv: readonly string[], stdin?: string): Promise<string> {
  const r = await runner.run(argv, stdin === undefined ? {} : { stdin });
  if (r.code !== 0) throw new KernelError('command-failed', `${argv.join(' ')}: ${r.stderr.trim() === '' ? `exit ${r.code}` : r.stderr.trim()}`, { argv });
  return r.stdout;
}

export function inNs(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}
