import type { Target, TargetResult } from '../types.js';
import type { CompiledChain } from '../chain-index.js';
import { TR } from '../types.js';
import type { TargetModule } from './module.js';

/** The standard verdicts: ACCEPT and DROP end the walk of this table; RETURN goes back to the calling chain (or the policy). */
function verdict(name: 'ACCEPT' | 'DROP' | 'RETURN', result: (typeof TR)['Accept' | 'Drop' | 'Return']): TargetModule {
  const t: Target = { name, goto: false, saveArgs: [], apply: () => result };
  return {
    name,
    options: {},
    build: (opts, b) => (opts.length > 0 ? b.fail(`${name} takes no options`) : t),
  };
}

export const acceptTarget = verdict('ACCEPT', TR.Accept);
export const dropTarget = verdict('DROP', TR.Drop);
export const returnTarget = verdict('RETURN', TR.Return);

/** `-j CHAIN` (jump: come back here on RETURN) or `-g CHAIN` (goto: RETURN goes to our caller). */
export class ChainTarget implements Target {
  readonly saveArgs: readonly string[] = NO_ARGS;
  /**
   * The walker's memo of where this jump lands: the compiled chain in the table it last
   * resolved against (tables are immutable values, so identity decides). Looking the chain up
   * by name in a 40k-chain Map cost more than the rest of a jump.
   */
  resolvedIn: unknown = undefined;
  resolved: CompiledChain | undefined = undefined;

  constructor(
    readonly chain: string,
    readonly goto: boolean,
  ) {}

  get name(): string {
    return this.chain;
  }

  apply(): TargetResult {
    return this.goto ? TR.Goto : TR.Jump;
  }
}

const NO_ARGS: readonly string[] = [];

export function chainTarget(chain: string, goto: boolean): Target {
  return new ChainTarget(chain, goto);
}
