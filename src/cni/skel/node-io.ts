import type { PluginIo } from './run-plugin.js';

/**
 * The real process boundary for a plugin executable's main.ts: environment, all of stdin, stdout/stderr, and the
 * exit status through process.exitCode (so buffered output is flushed before node exits).
 */
export function nodeProcessIo<K>(kernel: K): PluginIo<K> {
  return {
    env: process.env,
    stdin: () =>
      new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        process.stdin.on('data', (c: Buffer) => chunks.push(c));
        process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        process.stdin.on('error', reject);
      }),
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    exit: (code) => {
      process.exitCode = code;
    },
    kernel,
  };
}
