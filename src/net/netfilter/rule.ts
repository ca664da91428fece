import { splitArgs } from './tokenize.js';
import type { Match, Rule, Target } from './types.js';

/**
 * A parsed rule. Rules from restore text keep only their line: the argument list (`spec`) is
 * tokenized again when someone asks for it (printing a restore input), so 100k kube-proxy
 * rules do not each hold an array of a dozen strings.
 */
export class ParsedRule implements Rule {
  constructor(
    readonly matches: readonly Match[],
    readonly target: Target | undefined,
    readonly text: string,
    readonly lineNo: number,
    /** The arguments, or how many leading tokens of `text` (`-A CHAIN`, `-I CHAIN 2`) precede them. */
    private readonly args: readonly string[] | number,
  ) {}

  get spec(): readonly string[] {
    return typeof this.args === 'number' ? specFromText(this.text, this.args) : this.args;
  }
}

/** A restore line's rule arguments: its tokens after the first `skip` (`-A CHAIN` is 2). */
export function specFromText(text: string, skip: number): string[] {
  return (splitArgs(stripCounters(text.trimStart())) ?? []).slice(skip);
}

/** Removes a leading `[packets:bytes]` (iptables-restore --counters rule prefix). */
export function stripCounters(line: string): string {
  return line.startsWith('[') ? line.replace(COUNTERS_PREFIX, '') : line;
}

const COUNTERS_PREFIX = /^\[(\d+):(\d+)\]\s+/;
