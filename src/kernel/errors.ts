import { KubewireError } from '../lib/index.js';

/**
 * Why a kernel operation failed, as a stable kind (callers branch on it: DEL treats 'not-found' as done) plus the
 * text the real tools print, so plugin errors read like upstream's ("RTNETLINK answers: File exists").
 */
export type KernelErrorKind = 'not-found' | 'exists' | 'invalid' | 'unsupported' | 'command-failed' | 'no-netns';

const CODES: Readonly<Record<KernelErrorKind, string>> = {
  'not-found': 'KW_KERNEL_NOT_FOUND',
  exists: 'KW_KERNEL_EXISTS',
  invalid: 'KW_KERNEL_INVALID',
  unsupported: 'KW_KERNEL_UNSUPPORTED',
  'command-failed': 'KW_KERNEL_COMMAND_FAILED',
  'no-netns': 'KW_KERNEL_NO_NETNS',
};

export class KernelError extends KubewireError {
  override readonly name = 'KernelError';
  readonly kind: KernelErrorKind;
  /** The command that failed (Linux driver), for evidence. */
  readonly argv: readonly string[] | undefined;

  constructor(kind: KernelErrorKind, message: string, options: { argv?: readonly string[]; cause?: unknown } = {}) {
    super(CODES[kind], message, options.cause === undefined ? {} : { cause: options.cause });
    this.kind = kind;
    this.argv = options.argv;
  }
}

export function isKernelError(e: unknown, kind?: KernelErrorKind): e is KernelError {
  return e instanceof KernelError && (kind === undefined || e.kind === kind);
}
