import { InputError } from '../../../src/lib/index.js';

export function isInputError(e: unknown, code: string): boolean {
  return e instanceof InputError && e.code === code;
}
