import { KubewireError } from '../../lib/index.js';

/** What one plugin run produced, before interpretation (the same for a child process and an in-process call). */
export interface RawInvocation {
  readonly stdout: string;
  readonly stderr: string;
  /** 0 on success; -1 when the process could not be started or was killed. */
  readonly exitCode: number;
  /** Go's text for how it ended, used in libcni's messages: "exit status 1", "signal: killed", "fork/exec …: …". */
  readonly status: string;
  readonly timedOut: boolean;
}

export interface InvokeOptions {
  /** Kill (or abandon, in-process) the plugin after this many milliseconds. No limit when absent. */
  readonly timeoutMs?: number;
}

/**
 * How the runtime reaches plugins. `exec.ts` runs executables found on CNI_PATH; `in-process.ts` calls CniPlugin
 * objects through the same env/stdin/stdout contract, so the runtime has one code path for both.
 */
export interface PluginInvoker {
  /** Resolve a plugin `type` to a locator for `invoke`; throws PluginNotFoundError with libcni's text. */
  find(type: string, path: readonly string[]): Promise<string>;
  /** Run the plugin once. Never throws for plugin failures: they are in the RawInvocation. */
  invoke(locator: string, stdin: string, env: Readonly<Record<string, string>>, opts?: InvokeOptions): Promise<RawInvocation>;
  /**
   * Optional: the same run with stdin handed over as a value (an in-process plugin needs no text). The answer is the
   * one `invoke(locator, request.text(), …)` gives; on success its `json`, when present, is the value JSON.parse(stdout)
   * would give (fresh, but `stdout` is written from it when first read: read, do not change it).
   */
  invokeJson?(locator: string, request: JsonRequest, env: Readonly<Record<string, string>>, opts?: InvokeOptions): Promise<JsonInvocation>;
  /**
   * Optional, for invokers that may finish without waiting (in-process plugins): `find` answering with the locator
   * itself (a failure is thrown), and `invokeJson` answering with the invocation itself when the run did not have
   * to wait, else a promise of it. The answers are the ones `find` and `invokeJson` give.
   */
  findNow?(type: string, path: readonly string[]): string;
  invokeJsonNow?(locator: string, request: JsonRequest, env: Readonly<Record<string, string>>, opts?: InvokeOptions): JsonInvocation | Promise<JsonInvocation>;
}

/**
 * A request config as a value and as text. `json` is what JSON.parse(text()) gives (keys in the same order); it may
 * share frozen parts with other requests, so a plugin must not change it. `text()` builds the text on first use.
 */
export interface JsonRequest {
  readonly json: Readonly<Record<string, unknown>>;
  text(): string;
}

export interface JsonInvocation extends RawInvocation {
  /** On success of a run that printed a JSON document (ADD): that document as a value. */
  readonly json?: unknown;
}

/** A JsonRequest whose text is written the first time someone asks for it. */
export function jsonRequest(json: Readonly<Record<string, unknown>>, text?: () => string): JsonRequest {
  let t: string | undefined;
  return { json, text: () => (t ??= text === undefined ? JSON.stringify(json) : text()) };
}

/** libcni FindInPath failures: `failed to find plugin "x" in path [/a /b]`, `invalid plugin name: a/b`, `no paths provided`. */
export class PluginNotFoundError extends KubewireError {
  override readonly name = 'PluginNotFoundError';
  constructor(message: string, where?: string) {
    super('KW_CNI_PLUGIN_NOT_FOUND', message, where === undefined ? {} : { where });
  }
}

/** The checks FindInPath makes before looking at the disk, shared by both invokers. */
export function checkPluginName(type: string, path: readonly string[]): void {
  if (type === '') throw new PluginNotFoundError('no plugin name provided');
  if (type.includes('/')) throw new PluginNotFoundError(`invalid plugin name: ${type}`);
  if (path.length === 0) throw new PluginNotFoundError('no paths provided');
}

export function notFoundMessage(type: string, path: readonly string[]): string {
  return `failed to find plugin "${type}" in path [${path.join(' ')}]`;
}
