import type { Hook } from '../../hooks.js';
import type { BuildCtx, ParsedOpt } from '../match/module.js';
import type { TableName, Target } from '../types.js';

/** A target extension as iptables loads it with `-j NAME`. */
export interface TargetModule {
  readonly name: string;
  readonly options: Readonly<Record<string, number>>;
  readonly aliases?: Readonly<Record<string, string>>;
  /** Tables it may be used in (xt_target.table); undefined = any. */
  readonly tables?: readonly TableName[];
  /** Built-in chains it may be used in directly (xt_target.hooks); undefined = any. */
  readonly hooks?: readonly Hook[];
  build(opts: readonly ParsedOpt[], b: BuildCtx): Target;
}
