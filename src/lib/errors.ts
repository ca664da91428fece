/**
 * Every expected failure of bad input is a KubewireError with a stable code (KW_<MODULE>_<WHAT>),
 * a message saying what, where and why, and the CLI exit code it maps to (2 = bad input).
 * Internal bugs are plain Errors and exit 1.
 */
export class KubewireError extends Error {
  readonly code: string;
  /** Where the problem is: a file, a JSON path, a line number, as a human reads it. */
  readonly where: string | undefined;

  constructor(code: string, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(options.where === undefined ? message : `${options.where}: ${message}`, { cause: options.cause });
    this.name = 'KubewireError';
    this.code = code;
    this.where = options.where;
  }
}

/** Bad input from a user: a file, a flag, an address. CLI exit code 2. */
export class InputError extends KubewireError {
  override readonly name = 'InputError';
}

export function isKubewireError(e: unknown): e is KubewireError {
  return e instanceof KubewireError;
}

export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
