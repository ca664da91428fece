import { spawn } from 'node:child_process';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * How the Linux driver runs tools (cf. k8s utilexec.Interface): argv, optional stdin, and the exit status as a value.
 * Never rejects for a non-zero exit; rejects only when the program cannot be started.
 */
export interface CommandRunner {
  run(argv: readonly string[], opts?: { readonly stdin?: string }): Promise<CommandResult>;
}

/** The real thing: spawns argv[0] with a minimal environment (PATH and LANG=C so messages are stable). */
export class NodeCommandRunner implements CommandRunner {
  run(argv: readonly string[], opts: { readonly stdin?: string } = {}): Promise<CommandResult> {
    const [cmd, ...args] = argv;
    if (cmd === undefined) return Promise.reject(new Error('empty argv'));
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' }, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.stdin ?? '');
    });
  }
}

export interface RecordedCommand {
  readonly argv: readonly string[];
  readonly stdin?: string;
}

/** For unit tests: records every command and answers from `respond` (default: success with empty output). */
export class RecordingRunner implements CommandRunner {
  readonly calls: RecordedCommand[] = [];
  constructor(private readonly respond: (argv: readonly string[], stdin: string | undefined) => Partial<CommandResult> = () => ({})) {}

  run(argv: readonly string[], opts: { readonly stdin?: string } = {}): Promise<CommandResult> {
    this.calls.push(opts.stdin === undefined ? { argv: [...argv] } : { argv: [...argv], stdin: opts.stdin });
    const r = this.respond(argv, opts.stdin);
    return Promise.resolve({ code: r.code ?? 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' });
  }

  get argvs(): string[][] {
    return this.calls.map((c) => [...c.argv]);
  }
}
