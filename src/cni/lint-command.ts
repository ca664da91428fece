import { formatFindings, hasErrors, lintConfListFiles } from './lint.js';

export interface LintCommandIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * `kubewire cni lint [--cni-path DIR[:DIR]] [--probe-versions] <conflist>...` for src/cli to mount.
 * CNI_PATH from the environment is used when --cni-path is absent. Exit status: 0 clean or warnings only,
 * 1 when any finding is an error, 2 for a usage mistake.
 */
export async function runCniLintCommand(argv: readonly string[], io: LintCommandIo): Promise<number> {
  const files: string[] = [];
  let cniPath = io.env['CNI_PATH'];
  let probe = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--cni-path') cniPath = argv[++i];
    else if (a.startsWith('--cni-path=')) cniPath = a.slice('--cni-path='.length);
    else if (a === '--probe-versions') probe = true;
    else if (a.startsWith('-')) {
      io.stderr(`kubewire cni lint: unknown option ${a}\n`);
      return 2;
    } else files.push(a);
  }
  if (files.length === 0) {
    io.stderr('usage: kubewire cni lint [--cni-path DIR[:DIR]] [--probe-versions] <conflist>...\n');
    return 2;
  }
  const path = cniPath === undefined || cniPath === '' ? undefined : cniPath.split(':');
  const findings = await lintConfListFiles(files, { ...(path === undefined ? {} : { cniPath: path }), probeVersions: probe });
  if (findings.length > 0) io.stdout(`${formatFindings(findings)}\n`);
  return hasErrors(findings) ? 1 : 0;
}
